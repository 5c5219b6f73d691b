package org.rat4j.rnn;

import org.rat4j.block.Segment;

/**
 * What the RNN's graph ({@link RnnBlock}) and decode step ({@link RnnCache}) agree on: the segments of its input
 * projection, {@code [z̃, v, g̃]}, D each (spec §2.1), and the tap a prefill reads.
 */
public record RnnLayout(Segment z, Segment v, Segment gate) {
    /** Tap: the hidden states h, {@code [B, T, D]}. */
    public static final String TAP_H = "h";

    public static RnnLayout of(int dModel) {
        Segment z = new Segment(0, dModel);
        Segment v = z.next(dModel);
        return new RnnLayout(z, v, v.next(dModel));
    }

    /** Rows of {@code in_proj.weight}: 3D. */
    public int rows() {
        return gate.end();
    }
}
