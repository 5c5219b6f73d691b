package org.rat4j.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;

/**
 * Weighted token cross-entropy {@code Σ_n w_n·(−log softmax(z_n)[y_n])}. The weights carry the spec §2.8 rule: 0 for
 * targets whose input token is EOS, {@code 1/count} elsewhere, so the result is the mean over the kept targets.
 *
 * <p>ND4J M2.1's sparse CE has a wrong gradient and its loss ops ignore upstream gradients, and autodiff through a
 * composed log-sum-exp runs a dozen passes over the {@code [N, V]} logits. The gradient of this loss with respect to
 * the logits is known in closed form, {@code G = w·(softmax(z) − onehot(y))}, so the graph computes G in the
 * forward pass (behind a stop-gradient) and returns {@code ce + (Σ z⊙G − stop(Σ z⊙G))}: the value is the
 * cross-entropy and the gradient is exactly G, at the cost of one product in the backward pass. Float64 finite
 * differences check it (GradientCheckTest).
 */
public final class LanguageModelLoss {
    /** Keeps log() finite when a target's probability underflows (it then reports −log 1e-30 ≈ 69). */
    private static final double MIN_PROB = 1e-30;

    private LanguageModelLoss() {
    }

    /**
     * @param logits  {@code [N, V]}
     * @param targets {@code [N]} integer ids (any valid id where the weight is 0)
     * @param weights {@code [N]}
     * @return scalar loss
     */
    public static SDVariable apply(SameDiff sd, SDVariable logits, SDVariable targets, SDVariable weights, int vocab) {
        SDVariable p = stop(sd, sd.nn.softmax(logits, 1));                                      // [N, V]
        SDVariable oneHot = sd.oneHot(targets, vocab, -1, 1.0, 0.0, logits.dataType());          // [N, V]
        SDVariable w = sd.reshape(weights, -1, 1);                                              // [N, 1]
        SDVariable targetProb = p.mul(oneHot).sum(true, 1);                                     // [N, 1]
        SDVariable ce = sd.math.log(sd.math.max(targetProb, sd.constant(targetProb.dataType() == DataType.DOUBLE
                ? org.nd4j.linalg.factory.Nd4j.scalar(MIN_PROB) : org.nd4j.linalg.factory.Nd4j.scalar((float) MIN_PROB))))
                .neg().mul(w).sum();                                                            // scalar
        SDVariable g = stop(sd, p.sub(oneHot).mul(w));                                          // dLoss/dLogits
        SDVariable surrogate = logits.mul(g).sum();
        return stop(sd, ce).add(surrogate.sub(stop(sd, surrogate)));
    }

    private static SDVariable stop(SameDiff sd, SDVariable x) {
        return new StopGradient(sd, x).outputVariable();
    }
}
