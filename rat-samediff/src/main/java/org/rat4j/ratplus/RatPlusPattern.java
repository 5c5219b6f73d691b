package org.rat4j.ratplus;

/**
 * The RAT+ attention pattern of one layer (spec §3.2): query q may attend key k iff
 * {@code k <= q && (q - k <= local || k < initial || (dilation != -1 && (k + 1) % dilation == 0))}.
 *
 * @param dilation Dl: every Dl-th key (positions with (k+1) mod Dl = 0) is kept; -1 keeps none, 1 keeps all
 * @param local    W: the window of recent keys (the query itself is always kept)
 * @param initial  P: the sink tokens 0..P-1
 */
public record RatPlusPattern(int dilation, int local, int initial) {
    /** Dense causal attention: every key, the pattern of a joint-training dense pass. */
    public static final RatPlusPattern DENSE = new RatPlusPattern(1, 0, 0);

    /** Whether query {@code q} attends key {@code k} (spec §3.2, the single mask). */
    public boolean allows(int q, int k) {
        return k <= q && (q - k <= local || k < initial || (dilation != -1 && (k + 1) % dilation == 0));
    }

    /**
     * The number of keys query t attends (spec §3.2), in closed form: the window {@code t−W .. t}, the sinks before
     * it, and the dilated keys {@code P <= k < t−W} with {@code (k+1) mod Dl = 0}. {@link RatPlusMask#keyCount}
     * counts the same by the mask.
     */
    public long keysAttended(long t) {
        long local = Math.min(t, this.local) + 1;                                // t−W .. t
        long beforeWindow = t - this.local;                                       // keys k < t−W lie outside the window
        if (beforeWindow <= 0) return local;
        long sinks = Math.min(initial, beforeWindow);
        long dilated = 0;
        if (dilation != -1 && beforeWindow > initial) {
            // k in [P, t−W−1] with (k+1) mod Dl == 0, i.e. multiples of Dl in [P+1, t−W]
            dilated = beforeWindow / dilation - (long) initial / dilation;
        }
        return local + sinks + dilated;
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
