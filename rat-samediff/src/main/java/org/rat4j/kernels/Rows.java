package org.rat4j.kernels;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.stream.IntStream;

import static org.rat4j.kernels.NdBuffers.array;
import static org.rat4j.kernels.NdBuffers.writeStorage;

/**
 * Row math of a decode step on row-major float64 {@code [B, D]} numbers, one token per sequence: RMSNorm, gates,
 * column blocks of a projection, the residual, and the sequences of a batch in parallel.
 */
public final class Rows {
    private Rows() {
    }

    /** RMSNorm of each row of row-major {@code [B, D]} numbers, in float64 (a new array). */
    public static double[] rmsNorm(double[] x, double[] gamma, double eps) {
        int d = gamma.length;
        double[] out = new double[x.length];
        for (int at = 0; at < x.length; at += d) {
            double sq = 0;
            for (int j = 0; j < d; j++) sq += x[at + j] * x[at + j];
            double inv = 1.0 / Math.sqrt(sq / d + eps);
            for (int j = 0; j < d; j++) out[at + j] = x[at + j] * inv * gamma[j];
        }
        return out;
    }

    public static double sigmoid(double x) {
        return 1.0 / (1.0 + Math.exp(-x));
    }

    /** The residual sum {@code x + y} of row-major {@code [B, D]} numbers, as a new array like {@code like}. */
    public static INDArray residual(double[] x, double[] y, INDArray like) {
        double[] sum = new double[x.length];
        for (int i = 0; i < sum.length; i++) sum[i] = x[i] + y[i];
        if (like.dataType() != DataType.FLOAT && like.dataType() != DataType.DOUBLE) return array(sum, like.dataType(), like.shape());
        INDArray out = Nd4j.createUninitialized(like.dataType(), like.shape());
        writeStorage(sum, out);
        return out;
    }

    /** Columns {@code [from, from + width)} of row-major {@code [rows, n]} numbers, as {@code [rows, width]}. */
    public static double[] columns(double[] u, int rows, int from, int width) {
        int n = u.length / rows;
        double[] out = new double[rows * width];
        for (int r = 0; r < rows; r++) System.arraycopy(u, r * n + from, out, r * width, width);
        return out;
    }

    /** Sequences 0..batch−1, in parallel from {@code parallelFrom} sequences up (each one's work is independent). */
    public static IntStream sequences(int batch, int parallelFrom) {
        IntStream s = IntStream.range(0, batch);
        return batch >= parallelFrom ? s.parallel() : s;
    }
}
