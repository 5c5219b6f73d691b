package org.rat4j.ratplus;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.ops.AttentionMask;

/**
 * The RAT+ sparse attention mask (spec §3.2) and its two-branch decomposition: (a) dilated keys
 * {@code j_m = d_st + m·Dl} strictly before the local window, and (b) local + sink keys. The branches are disjoint and
 * their union is the single mask. The parallel forward gathers the same key sets without a {@code [T, T]} matrix
 * ({@link org.rat4j.ops.DilatedAttention}; this mask where a band does not pay), and the decode cache stores exactly
 * its keys.
 */
public final class RatPlusMask {
    private RatPlusMask() {
    }

    /** The {@code [T, T]} additive mask of a pattern. */
    public static INDArray additive(int seqLen, RatPlusPattern pattern) {
        return AttentionMask.build(seqLen, seqLen, pattern::allows);
    }

    /** Branch (a): dilated keys strictly before the window, {@code k >= P}, {@code (k+1) mod Dl = 0}, {@code k < q − W}. */
    public static boolean dilatedBranch(RatPlusPattern p, int q, int k) {
        if (p.dilation() == -1) return false;
        int dilation = p.dilation();
        int first = p.initial() + Math.floorMod(dilation - 1 - p.initial(), dilation);   // d_st: first index >= P with (j+1) mod Dl = 0
        if (k < first || (k - first) % dilation != 0) return false;
        int m = (k - first) / dilation;
        // Spec form: floor((q - W) / Dl) > m + floor(P / Dl), which is k < q - W.
        return Math.floorDiv(q - p.local(), dilation) > m + Math.floorDiv(p.initial(), dilation);
    }

    /** Branch (b): local window and sinks, {@code k <= q && (q − k <= W || k < P)}. */
    public static boolean localBranch(RatPlusPattern p, int q, int k) {
        return k <= q && (q - k <= p.local() || k < p.initial());
    }

    /** Number of keys query t attends (spec §3.2): {@code P' + W' + 1 + n_dil(t)}. */
    public static int keyCount(RatPlusPattern p, int t) {
        int n = 0;
        for (int k = 0; k <= t; k++) if (p.allows(t, k)) n++;
        return n;
    }
}
