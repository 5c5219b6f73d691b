package org.rat4j.block;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.ops.GraphContext;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pre-norm residual block over a sequence: {@code out = x + F(RMSNorm(x))}. Each block declares its parameters
 * (with the reference PyTorch names, relative to the block, e.g. {@code in_proj.weight}), initialises them, emits
 * its parallel forward into a SameDiff graph, and creates the decode cache that runs the same math one token at a time.
 */
public interface SequenceBlock {

    /** Parameter names (relative to the block) and shapes, in a fixed order. */
    LinkedHashMap<String, long[]> parameterShapes();

    /** Fills freshly allocated parameter arrays in place with the reference initialisation. */
    void initialize(Map<String, INDArray> params, Initializer init);

    /**
     * Emits {@code out = x + F(RMSNorm(x))}.
     *
     * @param x         {@code [B, T, D]} with T = {@code ctx.seqLen()}
     * @param params    this block's variables, by relative name
     * @param tapPrefix prefix for the named intermediates that the decode prefill reads ({@link #tapNames()})
     * @return {@code [B, T, D]}
     */
    SDVariable define(GraphContext ctx, SDVariable x, Map<String, SDVariable> params, String tapPrefix);

    /** Names (relative to the tap prefix) of the intermediates a decode cache needs from a parallel prefill. */
    List<String> tapNames();

    /**
     * A decode cache for {@code batch} sequences of up to {@code capacity} tokens each, reading this block's parameters.
     *
     * @param stateType the number type its cached keys/values and recurrent states are held in: the model's (FLOAT,
     *                  DOUBLE), or BFLOAT16 as the papers' code holds them ({@link DecodeCache#stateType})
     */
    DecodeCache newCache(Map<String, INDArray> params, int batch, int capacity, DataType stateType);

    /** {@link #newCache(Map, int, int, DataType)} holding the state in the parameters' own type. */
    default DecodeCache newCache(Map<String, INDArray> params, int batch, int capacity) {
        return newCache(params, batch, capacity, DecodeCache.stateType(params.values().iterator().next().dataType(), false));
    }

    /** Throws a clear error if this block cannot run on sequences of length {@code seqLen}. */
    default void checkSequenceLength(int seqLen) {
    }
}
