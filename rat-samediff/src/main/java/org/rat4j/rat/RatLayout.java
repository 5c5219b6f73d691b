package org.rat4j.rat;

import org.rat4j.block.Segment;

/**
 * What RAT's graph ({@link RatBlock}) and decode step ({@link RatCache}) agree on: the segments of its input
 * projection, {@code [z̃, v, g̃, q_G, k_G]} with widths D, D, D, G·d, G·d (spec §1.2), and the taps a prefill reads.
 */
public record RatLayout(Segment z, Segment v, Segment gate, Segment q, Segment k) {
    /** Tap: the recurrent keys {@code k̃} before rotation, {@code [B, T, D]}. */
    public static final String TAP_K = "k_tilde";
    /** Tap: the recurrent values {@code ṽ}, {@code [B, T, D]}. */
    public static final String TAP_V = "v_tilde";

    /**
     * @param dModel     D
     * @param groupWidth G·d, the width of the shared queries and keys
     */
    public static RatLayout of(int dModel, int groupWidth) {
        Segment z = new Segment(0, dModel);
        Segment v = z.next(dModel);
        Segment gate = v.next(dModel);
        Segment q = gate.next(groupWidth);
        return new RatLayout(z, v, gate, q, q.next(groupWidth));
    }

    /** Rows of {@code in_proj.weight}: 3D + 2G·d. */
    public int rows() {
        return k.end();
    }
}
