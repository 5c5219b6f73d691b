package org.rat4j.layers;

import org.rat4j.config.MixerConfig;

/** Builds the block for a mixer config. */
public final class SequenceBlocks {
    private SequenceBlocks() {
    }

    /**
     * @param cell          the mixer config
     * @param dims          sizes
     * @param seqLen        the training context length (RNN chrono init horizon)
     * @param indexInCell   index of this layer among the layers of its cell (selects per-layer RAT+ settings)
     */
    public static SequenceBlock mixer(MixerConfig cell, BlockDims dims, int seqLen, int indexInCell) {
        return switch (cell.type()) {
            case RAT -> new RatLayer(dims, cell);
            case ATTENTION, SWA -> new AttentionLayer(dims, cell);
            case RNN -> new RnnLayer(dims, seqLen);
            case RATPLUS -> new RatPlusLayer(dims, cell, cell.patternFor(indexInCell));
        };
    }
}
