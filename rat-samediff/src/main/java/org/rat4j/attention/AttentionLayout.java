package org.rat4j.attention;

import org.rat4j.block.Segment;

/**
 * What attention's graph ({@link AttentionBlock}) and decode step ({@link AttentionCache}) agree on: the segments
 * of its input projection, {@code [v, q, k]}, D each (the reference's order), and the taps a prefill reads.
 */
public record AttentionLayout(Segment v, Segment q, Segment k) {
    /** Tap: the keys before RoPE, {@code [B, T, D]}. */
    public static final String TAP_K = "k";
    /** Tap: the values, {@code [B, T, D]}. */
    public static final String TAP_V = "v";

    public static AttentionLayout of(int dModel) {
        Segment v = new Segment(0, dModel);
        Segment q = v.next(dModel);
        return new AttentionLayout(v, q, q.next(dModel));
    }

    /** Rows of {@code in_proj.weight}: 3D. */
    public int rows() {
        return k.end();
    }
}
