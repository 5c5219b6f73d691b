package org.rat4j.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/** Scaled dot-product attention with an additive mask: {@code softmax(q·kᵀ/√d + mask)·v}. */
public final class SoftmaxAttention {
    private SoftmaxAttention() {
    }

    /**
     * @param q    {@code [B, H, T, d]}
     * @param k    {@code [B, H, S, d]}
     * @param v    {@code [B, H, S, d]}
     * @param mask {@code [T, S]} additive (see {@link AttentionMask})
     * @param headDim d
     * @return {@code [B, H, T, d]}
     */
    public static SDVariable apply(SameDiff sd, SDVariable q, SDVariable k, SDVariable v, SDVariable mask, int headDim) {
        double scale = 1.0 / Math.sqrt(headDim);
        // The 1/√d scale on q rather than on the scores: [B, H, T, d] is T/d times smaller than [B, H, T, S].
        SDVariable scores = sd.mmul(q.mul(scale), k, false, true, false).add(mask);   // [B, H, T, S]
        SDVariable p = sd.nn.softmax(scores, 3);
        return sd.mmul(p, v);
    }
}
