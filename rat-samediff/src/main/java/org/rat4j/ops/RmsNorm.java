package org.rat4j.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.rat4j.compat.Dl4jM21;

/**
 * {@code y = x / sqrt(mean(x²) + eps) ⊙ γ} over the feature axis, as torch {@code nn.RMSNorm} (spec notation).
 * ND4J M2.1 has no RMSNorm op; this composition's gradient was checked by finite differences.
 * The axis is given explicitly: in M2.1 a keep-dims mean over axis -1 reads the wrong elements when the batch is
 * larger than one (docs/dl4j-notes.md).
 */
public final class RmsNorm {
    private RmsNorm() {
    }

    /**
     * @param x     {@code [B, T, D]}
     * @param gamma {@code [D]}
     */
    public static SDVariable apply(SameDiff sd, SDVariable x, SDVariable gamma, double eps) {
        SDVariable meanSq = sd.math.square(x).mean(true, 2);         // [B, T, 1]
        SDVariable inv = sd.math.rsqrt(meanSq.add(eps));
        return Dl4jM21.broadcastMultiply(sd, Dl4jM21.broadcastMultiply(sd, x, inv), gamma);   // broadcast products: Dl4jM21.broadcastMultiply
    }
}
