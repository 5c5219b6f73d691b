package org.rat4j.ratplus;

import org.rat4j.block.Segment;

/**
 * What RAT+'s graph ({@link RatPlusBlock}) and decode step ({@link RatPlusCache}) agree on: the segments of its
 * input projection, {@code [o, q, k, v]} and with the recurrence the gate {@code g}, D each (spec §3.1; the legacy
 * {@code fgate_proj} rows of the reference checkpoints become {@code g}), and the taps a prefill reads.
 *
 * @param gate null without the recurrence ({@code apply_re: false}, the gated-attention baseline)
 */
public record RatPlusLayout(Segment o, Segment q, Segment k, Segment v, Segment gate) {
    /** Tap: the recurrent keys before RoPE, {@code [B, T, D]}. */
    public static final String TAP_K = "k_tilde";
    /** Tap: the recurrent values, {@code [B, T, D]}. */
    public static final String TAP_V = "v_tilde";

    public static RatPlusLayout of(int dModel, boolean recurrence) {
        Segment o = new Segment(0, dModel);
        Segment q = o.next(dModel);
        Segment k = q.next(dModel);
        Segment v = k.next(dModel);
        return new RatPlusLayout(o, q, k, v, recurrence ? v.next(dModel) : null);
    }

    /** Rows of {@code in_proj.weight}: 5D, or 4D without the recurrence. */
    public int rows() {
        return gate == null ? v.end() : gate.end();
    }
}
