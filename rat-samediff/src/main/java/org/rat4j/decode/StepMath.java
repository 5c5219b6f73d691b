package org.rat4j.decode;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.rat4j.ops.RotaryEmbedding;

/** Eager ND4J forms of the ops the parallel graph uses, for one token per sequence ({@code [B, D]} rows). */
final class StepMath {
    private StepMath() {
    }

    /** RMSNorm over the last axis of {@code [B, D]}. */
    static INDArray rmsNorm(INDArray x, INDArray gamma, double eps) {
        INDArray meanSq = x.mul(x).mean(true, 1);                         // [B, 1]
        INDArray inv = Transforms.pow(meanSq.addi(eps), -0.5, false);
        return x.mulColumnVector(inv).muliRowVector(gamma);
    }

    /** {@code x·Wᵀ} with W in PyTorch layout {@code [out, in]}. */
    static INDArray linear(INDArray x, INDArray weight) {
        return Nd4j.gemm(x, weight, false, true);
    }

    /** Columns {@code [from, from + width)} of {@code [B, rows]}, as a contiguous copy. */
    static INDArray columns(INDArray u, long from, long width) {
        return u.get(NDArrayIndex.all(), NDArrayIndex.interval(from, from + width)).dup('c');
    }

    static INDArray sigmoid(INDArray x) {
        return Transforms.sigmoid(x, true);
    }

    /** Exact GELU {@code 0.5·x·(1 + erf(x/√2))}, as {@code ops.Gelu}. */
    static INDArray gelu(INDArray x) {
        INDArray e = x.mul(1.0 / Math.sqrt(2.0));
        Nd4j.exec(new Erf(e, e));
        return e.addi(1.0).muli(x).muli(0.5);
    }

    /** {@code [B, D]} rows to heads {@code [B, H, d]}. */
    static INDArray heads(INDArray x, int heads, int headDim) {
        return x.dup('c').reshape('c', x.size(0), heads, headDim);
    }

    /** Heads {@code [B, H, d]} back to rows {@code [B, D]}. */
    static INDArray rows(INDArray y) {
        return y.dup('c').reshape('c', y.size(0), y.size(1) * y.size(2));
    }

    /** RoPE of {@code [N, H, d]} where row n is at position {@code positions[n]}. */
    static INDArray rope(INDArray x, long[] positions, double base) {
        int d = (int) x.size(2);
        INDArray[] t = RotaryEmbedding.tables(positions, d, base);
        long n = positions.length;
        return RotaryEmbedding.applyEager(x,
                t[0].castTo(x.dataType()).reshape(n, 1, d), t[1].castTo(x.dataType()).reshape(n, 1, d));
    }

    static long[] toLong(int[] v) {
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i];
        return out;
    }
}
