package org.rat4j.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Weighted token cross-entropy {@code Σ_n w_n·(logsumexp(z_n) − z_n[y_n])}, composed from ops with correct gradients
 * (ND4J M2.1's sparse CE has a wrong gradient and its loss ops ignore upstream gradients). The weights carry the
 * spec §2.8 rule: 0 for targets whose input token is EOS, and {@code 1/count} elsewhere, so the result is the mean
 * over the kept targets.
 */
public final class LanguageModelLoss {
    private LanguageModelLoss() {
    }

    /**
     * @param logits  {@code [N, V]}
     * @param targets {@code [N]} integer ids (any valid id where the weight is 0)
     * @param weights {@code [N]}
     * @return scalar loss
     */
    public static SDVariable apply(SameDiff sd, SDVariable logits, SDVariable targets, SDVariable weights, int vocab) {
        SDVariable max = logits.max(true, 1);                                                   // [N, 1]
        SDVariable lse = sd.math.log(sd.math.exp(logits.sub(max)).sum(true, 1)).add(max);       // [N, 1]
        SDVariable oneHot = sd.oneHot(targets, vocab, -1, 1.0, 0.0, logits.dataType());          // [N, V]
        SDVariable picked = oneHot.mul(logits).sum(true, 1);                                    // [N, 1]
        SDVariable perToken = lse.sub(picked).reshape(-1);                                      // [N]
        return perToken.mul(weights).sum();
    }

    /** The integer type the targets placeholder uses. */
    public static DataType targetType() {
        return DataType.INT;
    }
}
