package org.rat4j.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Exact (erf) GELU, {@code 0.5·x·(1 + erf(x/√2))}, as the reference FFN uses. ND4J's {@code gelu} is a sigmoid
 * approximation up to 0.014 off, so it is not used.
 */
public final class Gelu {
    private static final double INV_SQRT2 = 1.0 / Math.sqrt(2.0);

    private Gelu() {
    }

    public static SDVariable apply(SameDiff sd, SDVariable x) {
        return x.mul(0.5).mul(sd.math.erf(x.mul(INV_SQRT2)).add(1.0));
    }
}
