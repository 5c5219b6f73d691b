package org.rat4j.config;

/**
 * The RAT+ attention pattern of one layer (spec §3.2): query q may attend key k iff
 * {@code k <= q && (q - k <= local || k < initial || (dilation != -1 && (k + 1) % dilation == 0))}.
 *
 * @param dilation Dl: every Dl-th key (positions with (k+1) mod Dl = 0) is kept; -1 keeps none, 1 keeps all
 * @param local    W: the window of recent keys (the query itself is always kept)
 * @param initial  P: the sink tokens 0..P-1
 */
public record RatPlusPattern(int dilation, int local, int initial) {

    /** Whether query {@code q} attends key {@code k} (spec §3.2, the single mask). */
    public boolean allows(int q, int k) {
        return k <= q && (q - k <= local || k < initial || (dilation != -1 && (k + 1) % dilation == 0));
    }

    /** True when the pattern equals dense causal attention for every sequence length. */
    public boolean isDense() {
        return dilation == 1;
    }

    @Override
    public String toString() {
        return "(D=" + dilation + ", W=" + local + ", P=" + initial + ")";
    }
}
