package org.rat4j.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Eager ND4J forms of a block's math on {@code [B, D]} rows, for the stateless feed-forward step, the head of a
 * decode step and the prefill copies, where a few large ops are cheaper than loops.
 */
public final class Eager {
    private Eager() {
    }

    /** RMSNorm over the last axis of {@code [B, D]}. */
    public static INDArray rmsNorm(INDArray x, INDArray gamma, double eps) {
        INDArray meanSq = x.mul(x).mean(true, 1);                         // [B, 1]
        INDArray inv = Transforms.pow(meanSq.addi(eps), -0.5, false);
        return x.mulColumnVector(inv).muliRowVector(gamma);
    }

    /** {@code x·Wᵀ} with W in PyTorch layout {@code [out, in]}. */
    public static INDArray linear(INDArray x, INDArray weight) {
        return Nd4j.gemm(x, weight, false, true);
    }

    /** Exact GELU {@code 0.5·x·(1 + erf(x/√2))}, as {@code ops.Gelu}. */
    public static INDArray gelu(INDArray x) {
        INDArray e = x.mul(1.0 / Math.sqrt(2.0));
        Nd4j.exec(new Erf(e, e));
        return e.addi(1.0).muli(x).muli(0.5);
    }

    /** {@code [B, D]} rows to heads {@code [B, H, d]}. */
    public static INDArray heads(INDArray x, int heads, int headDim) {
        return x.dup('c').reshape('c', x.size(0), heads, headDim);
    }

    /**
     * Rows {@code rows} of sequence b of a prefill tap {@code [B, T, D]}, as heads {@code [rows, H, d]} (a copy): the
     * keys or values a decode cache keeps of a prompt.
     */
    public static INDArray headsAt(INDArray tap, int b, int[] rows, int heads, int headDim) {
        INDArray sequence = tap.get(NDArrayIndex.point(b), NDArrayIndex.all(), NDArrayIndex.all());   // [T, D]
        return heads(Nd4j.pullRows(sequence, 1, rows), heads, headDim);
    }
}
