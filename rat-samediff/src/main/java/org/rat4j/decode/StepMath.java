package org.rat4j.decode;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.stream.IntStream;

/**
 * The math of one decode step, for one token per sequence ({@code [B, D]} rows): plain loops over row-major float64
 * arrays (RMSNorm, RoPE, gates, the residual) and the crossings between those arrays and ND4J; plus the eager ND4J forms
 * the feed-forward step and the prefill copies still use.
 */
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

    /**
     * RoPE of {@code [N, H, d]} where row n is at position {@code positions[n]}, as a plain loop: at decode sizes
     * (a few thousand numbers) the nine ND4J calls of {@code RotaryEmbedding.applyEager} cost far more than the
     * arithmetic. Same rounding as the parallel graph: float products and sums, tables computed in double.
     */
    static INDArray rope(INDArray x, long[] positions, double base) {
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
    static void rope(double[] a, int h, int d, long[] positions, double base) {
        for (int r = 0; r < positions.length; r++) rope(a, r, h, d, ropeTable(positions[r], d, base));
    }

    /** The RoPE table {@code {cos, sin}} of one position, for {@link #rope(double[], int, int, int, double[][])}. */
    static double[][] ropeTable(long position, int d, double base) {
        return ropeTable(new long[]{position}, d, base);
    }

    /**
     * RoPE in place on row {@code row} ({@code [H, d]}) of row-major {@code [N, H, d]} numbers, with the table of its
     * position (one table serves the query and the key of a token).
     */
    static void rope(double[] a, int row, int h, int d, double[][] table) {
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

    /** Sequences 0..batch−1, in parallel from {@code parallelFrom} sequences up (each one's work is independent). */
    static IntStream sequences(int batch, int parallelFrom) {
        IntStream s = IntStream.range(0, batch);
        return batch >= parallelFrom ? s.parallel() : s;
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

    /** The numbers of x in row-major order, as float64 (a copy; exact for float32 and float64 arrays). */
    static double[] numbers(INDArray x) {
        double[] out = new double[(int) x.length()];
        read(x, out);
        return out;
    }

    /** Copies the numbers of x, row-major, into dst. */
    static void read(INDArray x, double[] dst) {
        readStorage(rowMajor(x), dst);
    }

    /**
     * Copies the first {@code dst.length} numbers of x's buffer, in storage order, into dst. Through a direct buffer
     * rather than {@code asFloat()}/{@code asDouble()}: no intermediate array, and ND4J's own conversion of a float
     * buffer to double went element by element, ~5x slower.
     */
    static void readStorage(INDArray x, double[] dst) {
        readStorage(x, 0, dst);
    }

    /** Copies {@code dst.length} numbers of x's buffer, in storage order, from element {@code from} into dst. */
    static void readStorage(INDArray x, long from, double[] dst) {
        requireOwnBuffer(x);
        if (from < 0 || from + dst.length > x.length()) {
            throw new IndexOutOfBoundsException("elements " + from + ".." + (from + dst.length) + " of an array of " + x.length());
        }
        if (x.dataType() == DataType.FLOAT) {
            FloatBuffer f = floats(x, from, dst.length);
            for (int i = 0; i < dst.length; i++) dst[i] = f.get(i);
        } else if (x.dataType() == DataType.DOUBLE) {
            DoubleBuffer f = doubles(x, from, dst.length);
            for (int i = 0; i < dst.length; i++) dst[i] = f.get(i);
        } else {
            INDArray range = x.reshape(-1).get(NDArrayIndex.interval(from, from + dst.length)).castTo(DataType.DOUBLE);
            System.arraycopy(range.data().asDouble(), 0, dst, 0, dst.length);
        }
    }

    /** x itself when it is row-major with a buffer of its own, else a row-major copy (for {@link #readStorage}). */
    static INDArray rowMajor(INDArray x) {
        return x.ordering() == 'c' && ownsBuffer(x) ? x : x.dup('c');
    }

    /** Copies {@code src} into the first {@code src.length} numbers of x's buffer, in storage order. */
    static void writeStorage(double[] src, INDArray x) {
        requireOwnBuffer(x);
        if (x.dataType() == DataType.FLOAT) {
            FloatBuffer f = floats(x, 0, src.length);
            for (int i = 0; i < src.length; i++) f.put(i, (float) src[i]);
        } else if (x.dataType() == DataType.DOUBLE) {
            DoubleBuffer f = doubles(x, 0, src.length);
            for (int i = 0; i < src.length; i++) f.put(i, src[i]);
        } else {
            x.data().setData(src);
        }
    }

    /** Below this many numbers a transposing copy runs on one thread. */
    private static final int PARALLEL_COPY = 1 << 16;

    /**
     * Writes row-major {@code [rows, cols]} numbers into x's buffer as {@code [cols, rows]}, i.e. fills a column-major
     * {@code [rows, cols]} array, in one pass (split over threads by column for large arrays).
     */
    static void writeStorageTransposed(double[] src, int rows, int cols, INDArray x) {
        requireOwnBuffer(x);
        IntStream columns = IntStream.range(0, cols);
        if ((long) rows * cols >= PARALLEL_COPY) columns = columns.parallel();
        if (x.dataType() == DataType.FLOAT) {
            FloatBuffer f = floats(x, 0, src.length);
            columns.forEach(c -> {
                for (int r = 0; r < rows; r++) f.put(c * rows + r, (float) src[r * cols + c]);
            });
        } else {
            double[] staged = new double[src.length];
            columns.forEach(c -> {
                for (int r = 0; r < rows; r++) staged[c * rows + r] = src[r * cols + c];
            });
            writeStorage(staged, x);
        }
    }

    /** Reads x's buffer, holding {@code [cols, rows]} (a column-major {@code [rows, cols]}), into row-major dst. */
    static void readStorageTransposed(INDArray x, int rows, int cols, double[] dst) {
        requireOwnBuffer(x);
        IntStream rowStream = IntStream.range(0, rows);
        if ((long) rows * cols >= PARALLEL_COPY) rowStream = rowStream.parallel();
        if (x.dataType() == DataType.FLOAT) {
            FloatBuffer f = floats(x, 0, dst.length);
            rowStream.forEach(r -> {
                for (int c = 0; c < cols; c++) dst[r * cols + c] = f.get(c * rows + r);
            });
        } else {
            double[] staged = new double[dst.length];
            readStorage(x, staged);
            rowStream.forEach(r -> {
                for (int c = 0; c < cols; c++) dst[r * cols + c] = staged[c * rows + r];
            });
        }
    }

    /**
     * A java.nio view of elements {@code from .. from+n-1} of x's float buffer. Over just that range: a view of a whole
     * buffer beyond 2 GiB overflows java.nio's int capacity (the taps of a prefill at B=256, T=4096, D=1024 are 4 GiB).
     */
    private static FloatBuffer floats(INDArray x, long from, int n) {
        FloatPointer range = new FloatPointer(x.data().addressPointer()).getPointer(from);
        return range.capacity(n).limit(n).asBuffer();
    }

    /** {@link #floats} for a float64 buffer. */
    private static DoubleBuffer doubles(INDArray x, long from, int n) {
        DoublePointer range = new DoublePointer(x.data().addressPointer()).getPointer(from);
        return range.capacity(n).limit(n).asBuffer();
    }

    private static boolean ownsBuffer(INDArray x) {
        return !x.isView() && x.data().length() == x.length();
    }

    private static void requireOwnBuffer(INDArray x) {
        if (!ownsBuffer(x)) throw new IllegalArgumentException("an array with a buffer of its own is needed, not a view");
    }

    /** An array of {@code type} and {@code shape} holding row-major float64 numbers. */
    static INDArray array(double[] a, DataType type, long... shape) {
        if (type == DataType.DOUBLE) return Nd4j.create(a, shape, DataType.DOUBLE);
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) f[i] = (float) a[i];
        INDArray out = Nd4j.create(f, shape, DataType.FLOAT);
        return type == DataType.FLOAT ? out : out.castTo(type);
    }

    /** Columns {@code [from, from + width)} of row-major {@code [rows, n]} numbers, as {@code [rows, width]}. */
    static double[] columns(double[] u, int rows, int from, int width) {
        int n = u.length / rows;
        double[] out = new double[rows * width];
        for (int r = 0; r < rows; r++) System.arraycopy(u, r * n + from, out, r * width, width);
        return out;
    }

    static double sigmoid(double x) {
        return 1.0 / (1.0 + Math.exp(-x));
    }

    /** RMSNorm of each row of row-major {@code [B, D]} numbers, in float64 (a new array). */
    static double[] rmsNorm(double[] x, double[] gamma, double eps) {
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

    /** The residual sum {@code x + y} of row-major {@code [B, D]} numbers, as a new array like {@code like}. */
    static INDArray residual(double[] x, double[] y, INDArray like) {
        double[] sum = new double[x.length];
        for (int i = 0; i < sum.length; i++) sum[i] = x[i] + y[i];
        if (like.dataType() != DataType.FLOAT && like.dataType() != DataType.DOUBLE) return array(sum, like.dataType(), like.shape());
        INDArray out = Nd4j.createUninitialized(like.dataType(), like.shape());
        writeStorage(sum, out);
        return out;
    }
}
