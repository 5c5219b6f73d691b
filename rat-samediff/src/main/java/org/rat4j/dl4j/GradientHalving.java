package org.rat4j.dl4j;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;

/**
 * DL4J 1.0.0-M2.1 doubles the gradient flowing through every {@code SameDiffLayer}/{@code SameDiffVertex} (the
 * external-errors bridge adds the incoming error twice; docs/dl4j-notes.md). Returning {@code h + stopGradient(h)}
 * with {@code h = y/2} keeps the forward value and halves the backward, which makes the layer's gradients exact.
 * The DL4J gradient-check test fails if an upgrade removes the bug and this fix becomes wrong.
 */
final class GradientHalving {
    private GradientHalving() {
    }

    static SDVariable apply(SameDiff sd, SDVariable y) {
        SDVariable half = y.mul(0.5);
        return half.add(new StopGradient(sd, half).outputVariable());
    }
}
