package org.rat4j.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/** A bias-free linear map with a PyTorch-layout weight {@code [out, in]}: {@code y = x·Wᵀ}. */
public final class Linear {
    private Linear() {
    }

    /**
     * @param x      {@code [N, in]} (SameDiff's mmul needs equal ranks, so callers flatten batch and time first)
     * @param weight {@code [out, in]}
     * @return {@code [N, out]}
     */
    public static SDVariable apply(SameDiff sd, SDVariable x, SDVariable weight) {
        return sd.mmul(x, weight, false, true, false);
    }
}
