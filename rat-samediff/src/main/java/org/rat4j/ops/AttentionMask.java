package org.rat4j.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Additive attention masks: 0 where a query may attend a key, {@link #MASKED} elsewhere. Softmax of a masked score
 * underflows to exactly 0, and every row rat4j builds keeps at least the query itself, so no row is all-masked.
 */
public final class AttentionMask {
    /** Large enough that exp(score + MASKED - max) is exactly 0 in float32 and float64. */
    public static final double MASKED = -1e9;

    /** Which (query, key) pairs are allowed. */
    @FunctionalInterface
    public interface Rule {
        boolean allows(int query, int key);
    }

    private AttentionMask() {
    }

    /** A {@code [queries, keys]} additive mask, in double. */
    public static INDArray build(int queries, int keys, Rule rule) {
        double[][] m = new double[queries][keys];
        for (int q = 0; q < queries; q++) {
            for (int k = 0; k < keys; k++) {
                m[q][k] = rule.allows(q, k) ? 0.0 : MASKED;
            }
        }
        return Nd4j.createFromArray(m);
    }

    /** The {@code [T, T]} causal mask of a graph, one constant shared by its layers. */
    public static SDVariable causal(GraphContext ctx) {
        int seqLen = ctx.seqLen();
        return ctx.constant("mask.causal.T" + seqLen, () -> build(seqLen, seqLen, causal()));
    }

    /** {@code k <= q}. */
    public static Rule causal() {
        return (q, k) -> k <= q;
    }

    /** {@code k <= q && q - k <= window}: each query sees window+1 keys (spec §2.3). */
    public static Rule slidingWindow(int window) {
        return (q, k) -> k <= q && q - k <= window;
    }

    /** Token t may attend chunk summary c iff c is strictly before t's chunk (spec §1.2 step 8). */
    public static Rule previousChunks(int chunkSize) {
        return (t, c) -> c < t / chunkSize;
    }
}
