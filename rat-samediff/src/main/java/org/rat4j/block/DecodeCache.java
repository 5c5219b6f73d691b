package org.rat4j.block;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * The per-layer state that lets a block run one token at a time (spec §4). A cache serves a batch of sequences,
 * each at its own position, so prompts of different lengths decode together.
 */
public interface DecodeCache {

    /**
     * Runs the block on one token per sequence.
     *
     * @param x         the residual stream entering the block, {@code [B, D]}
     * @param positions the token position of each sequence (0-based); must continue the cache's history
     * @return the residual stream leaving the block, {@code [B, D]}
     */
    INDArray step(INDArray x, int[] positions);

    /**
     * Fills the state from a parallel forward over a right-padded batch, as if tokens {@code 0 .. lengths[b]-1} of
     * sequence b had been decoded one by one.
     *
     * @param taps    the block's named intermediates (see {@code SequenceBlock.tapNames()}), each {@code [B, T, ...]}
     * @param lengths real length of each sequence (at least 1)
     */
    void prefill(Map<String, INDArray> taps, int[] lengths);

    /** State elements held per sequence (spec §4.1), e.g. {@code 2·T_max·D} for attention. */
    long stateElementsPerSequence();

    /** Bytes of cached keys and values held now, for all sequences (pages are allocated as tokens arrive). */
    default long allocatedBytes() {
        return 0;
    }

    /**
     * The number type a cache holds its state in: float64 for a float64 model (the exactness tests), bfloat16 when
     * asked ({@code bf16}: the papers' decode numerics and half the memory), float32 otherwise.
     */
    static DataType stateType(DataType modelType, boolean bf16) {
        if (bf16) return DataType.BFLOAT16;
        return modelType == DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT;
    }
}
