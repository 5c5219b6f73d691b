package org.rat4j.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * Products with a broadcast operand (a norm's gain, a per-row scale, a RoPE table) written so that their backward is
 * fast in SameDiff 1.0.0-M2.1 on the CPU.
 *
 * <p>Why: {@code multiply_bp} with a broadcast operand tiles and reduces it element by element, ~10× slower than the
 * same op on operands of equal shape (measured at [8, 8, 512, 128] × [512, 128]: 110–130 ms against 8–28 ms), and it
 * took a quarter of attention's train step. A broadcasting {@code add_bp} is fast (11–20 ms at the same shape). So the
 * small operand is first expanded to the full shape by {@code fill(shape(x), 0) + small}; the product's backward is
 * then an equal-shape {@code multiply_bp} plus, only when the small operand needs a gradient, that fast
 * {@code add_bp}. A constant operand (a RoPE table) gets no backward at all: nothing on its path is a variable.
 * docs/dl4j-notes.md item 16 has the measurements.
 */
public final class Broadcast {
    private Broadcast() {
    }

    /** {@code small} repeated to the shape of {@code like} (broadcasting rules of ND4J: trailing axes align). */
    public static SDVariable expand(SameDiff sd, SDVariable like, SDVariable small) {
        return sd.fill(sd.shape(like), like.dataType(), 0.0).add(small);
    }

    /** {@code x ⊙ small}, small broadcast to the shape of x. */
    public static SDVariable mul(SameDiff sd, SDVariable x, SDVariable small) {
        return x.mul(expand(sd, x, small));
    }
}
