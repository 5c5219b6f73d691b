package org.rat4j.decode;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

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

    /**
     * RoPE of {@code [N, H, d]} where row n is at position {@code positions[n]}, as a plain loop: at decode sizes
     * (a few thousand numbers) the nine ND4J calls of {@code RotaryEmbedding.applyEager} cost far more than the
     * arithmetic. Same rounding as the parallel graph: float products and sums, tables computed in double.
     */
    static INDArray rope(INDArray x, long[] positions, double base) {
        int n = (int) x.size(0);
        int h = (int) x.size(1);
        int d = (int) x.size(2);
        int half = d / 2;
        double[] cos = new double[n * half];
        double[] sin = new double[n * half];
        for (int r = 0; r < n; r++) {
            for (int i = 0; i < half; i++) {
                double theta = positions[r] * Math.pow(base, -2.0 * i / d);
                cos[r * half + i] = Math.cos(theta);
                sin[r * half + i] = Math.sin(theta);
            }
        }
        INDArray src = x.ordering() == 'c' && !x.isView() ? x : x.dup('c');
        if (x.dataType() == DataType.DOUBLE) {
            double[] a = src.data().asDouble();
            double[] out = new double[a.length];
            for (int r = 0; r < n; r++) {
                for (int head = 0; head < h; head++) {
                    int at = (r * h + head) * d;
                    for (int i = 0; i < half; i++) {
                        double c = cos[r * half + i], sn = sin[r * half + i];
                        double x1 = a[at + i], x2 = a[at + i + half];
                        out[at + i] = x1 * c + (-x2) * sn;
                        out[at + i + half] = x2 * c + x1 * sn;
                    }
                }
            }
            return Nd4j.create(out, new long[]{n, h, d}, DataType.DOUBLE);
        }
        if (x.dataType() != DataType.FLOAT) return rope(x.castTo(DataType.FLOAT), positions, base).castTo(x.dataType());
        float[] a = src.data().asFloat();
        float[] out = new float[a.length];
        for (int r = 0; r < n; r++) {
            for (int head = 0; head < h; head++) {
                int at = (r * h + head) * d;
                for (int i = 0; i < half; i++) {
                    float c = (float) cos[r * half + i], sn = (float) sin[r * half + i];
                    float x1 = a[at + i], x2 = a[at + i + half];
                    out[at + i] = x1 * c + (-x2) * sn;
                    out[at + i + half] = x2 * c + x1 * sn;
                }
            }
        }
        return Nd4j.create(out, new long[]{n, h, d}, DataType.FLOAT);
    }

    static long[] toLong(int[] v) {
        long[] out = new long[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i];
        return out;
    }
}
