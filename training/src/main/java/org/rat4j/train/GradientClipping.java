package org.rat4j.train;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * Global gradient-norm clipping as {@code torch.nn.utils.clip_grad_norm_}: the L2 norm over all gradients together;
 * when it exceeds {@code maxNorm} every gradient is scaled by {@code maxNorm / (norm + 1e-6)}.
 */
public final class GradientClipping {
    private GradientClipping() {
    }

    /** The L2 norm of all arrays together, accumulated in double precision. */
    public static double globalNorm(Collection<INDArray> grads) {
        double sumSq = 0;
        for (INDArray g : grads) {
            double n = g.norm2Number().doubleValue();
            sumSq += n * n;
        }
        return Math.sqrt(sumSq);
    }

    /**
     * Scales the gradients in place so their global norm is at most {@code maxNorm} (no-op when {@code maxNorm <= 0}).
     *
     * @return the norm before clipping
     */
    public static double clip(Collection<INDArray> grads, double maxNorm) {
        double norm = globalNorm(grads);
        if (maxNorm > 0 && Double.isFinite(norm)) {
            double coef = maxNorm / (norm + 1e-6);
            if (coef < 1.0) for (INDArray g : grads) g.muli(coef);
        }
        return norm;
    }
}
