package org.rat4j.kernels;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.rat4j.kernels.NdBuffers.numbers;

/**
 * RoPE for decode steps and prefills as plain loops: at decode sizes (a few thousand numbers) the nine ND4J calls
 * of {@code RotaryEmbedding.applyEager} cost far more than the arithmetic. Same rounding as the parallel graph:
 * float products and sums, tables computed in double.
 */
public final class Rope {
    private Rope() {
    }

    /**
     * RoPE of {@code [N, H, d]} where row n is at position {@code positions[n]}, as a plain loop: at decode sizes
     * (a few thousand numbers) the nine ND4J calls of {@code RotaryEmbedding.applyEager} cost far more than the
     * arithmetic. Same rounding as the parallel graph: float products and sums, tables computed in double.
     */
    public static INDArray rope(INDArray x, long[] positions, double base) {
        int n = (int) x.size(0);
        int h = (int) x.size(1);
        int d = (int) x.size(2);
        if (x.dataType() == DataType.DOUBLE) {
            double[] a = numbers(x);
            rope(a, h, d, positions, base);
            return Nd4j.create(a, new long[]{n, h, d}, DataType.DOUBLE);
        }
        if (x.dataType() != DataType.FLOAT) return rope(x.castTo(DataType.FLOAT), positions, base).castTo(x.dataType());
        int half = d / 2;
        double[][] table = ropeTable(positions, d, base);
        float[] a = x.dup('c').data().asFloat();
        for (int r = 0; r < n; r++) {
            for (int head = 0; head < h; head++) {
                int at = (r * h + head) * d;
                for (int i = 0; i < half; i++) {
                    float c = (float) table[0][r * half + i], sn = (float) table[1][r * half + i];
                    float x1 = a[at + i], x2 = a[at + i + half];
                    a[at + i] = x1 * c + (-x2) * sn;
                    a[at + i + half] = x2 * c + x1 * sn;
                }
            }
        }
        return Nd4j.create(a, new long[]{n, h, d}, DataType.FLOAT);
    }

    /** RoPE in place on row-major {@code [N, H, d]} float64 numbers, row n at {@code positions[n]}. */
    public static void rope(double[] a, int h, int d, long[] positions, double base) {
        for (int r = 0; r < positions.length; r++) rope(a, r, h, d, ropeTable(positions[r], d, base));
    }

    /** The RoPE table {@code {cos, sin}} of one position, for {@link #rope(double[], int, int, int, double[][])}. */
    public static double[][] ropeTable(long position, int d, double base) {
        return ropeTable(new long[]{position}, d, base);
    }

    /**
     * RoPE in place on row {@code row} ({@code [H, d]}) of a query and a key array ({@code [N, H, d]} row-major), both
     * at {@code position}: one table serves both.
     */
    public static void rotate(double[] q, double[] k, int row, int h, int d, long position, double base) {
        double[][] table = ropeTable(position, d, base);
        rope(q, row, h, d, table);
        rope(k, row, h, d, table);
    }

    /**
     * RoPE in place on row {@code row} ({@code [H, d]}) of row-major {@code [N, H, d]} numbers, with the table of its
     * position (one table serves the query and the key of a token).
     */
    public static void rope(double[] a, int row, int h, int d, double[][] table) {
        int half = d / 2;
        for (int head = 0; head < h; head++) {
            int at = (row * h + head) * d;
            for (int i = 0; i < half; i++) {
                double c = table[0][i], sn = table[1][i];
                double x1 = a[at + i], x2 = a[at + i + half];
                a[at + i] = x1 * c + (-x2) * sn;
                a[at + i + half] = x2 * c + x1 * sn;
            }
        }
    }

    /** {cos, sin} of {@code positions[r]·base^(−2i/d)}, each {@code [N, d/2]}. */
    private static double[][] ropeTable(long[] positions, int d, double base) {
        int half = d / 2;
        double[] inverse = new double[half];
        for (int i = 0; i < half; i++) inverse[i] = Math.pow(base, -2.0 * i / d);
        double[] cos = new double[positions.length * half];
        double[] sin = new double[positions.length * half];
        for (int r = 0; r < positions.length; r++) {
            for (int i = 0; i < half; i++) {
                double theta = positions[r] * inverse[i];
                cos[r * half + i] = Math.cos(theta);
                sin[r * half + i] = Math.sin(theta);
            }
        }
        return new double[][]{cos, sin};
    }
}
