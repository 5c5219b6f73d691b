package org.rat4j.kernels;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.stream.IntStream;

/**
 * The crossings between ND4J arrays and the plain row-major float64 arrays a decode step computes in: reads and
 * writes through a direct view of the ND4J buffer (no intermediate array), and transposing copies for the
 * column-major GEMM buffers of {@link StepGemm}.
 */
public final class NdBuffers {
    /** Below this many numbers a transposing copy runs on one thread. */
    private static final int PARALLEL_COPY = 1 << 16;

    private NdBuffers() {
    }

    /** The numbers of x in row-major order, as float64 (a copy; exact for float32 and float64 arrays). */
    public static double[] numbers(INDArray x) {
        double[] out = new double[(int) x.length()];
        read(x, out);
        return out;
    }

    /** Copies the numbers of x, row-major, into dst. */
    public static void read(INDArray x, double[] dst) {
        readStorage(rowMajor(x), dst);
    }

    /**
     * Copies the first {@code dst.length} numbers of x's buffer, in storage order, into dst. Through a direct buffer
     * rather than {@code asFloat()}/{@code asDouble()}: no intermediate array, and ND4J's own conversion of a float
     * buffer to double went element by element, ~5x slower.
     */
    public static void readStorage(INDArray x, double[] dst) {
        readStorage(x, 0, dst);
    }

    /** Copies {@code dst.length} numbers of x's buffer, in storage order, from element {@code from} into dst. */
    public static void readStorage(INDArray x, long from, double[] dst) {
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

    /**
     * Row {@code (b, t)} of a {@code [B, T, D]} array (a prefill's taps) into {@code dst[at .. at + D)}. A view is
     * copied whole first: callers reading many rows pass {@link #rowMajor}{@code (x)}.
     */
    public static void readRow(INDArray x, int b, int t, double[] dst, int at) {
        int d = (int) x.size(2);
        double[] row = new double[d];
        readStorage(rowMajor(x), ((long) b * x.size(1) + t) * d, row);
        System.arraycopy(row, 0, dst, at, d);
    }

    /** x itself when it is row-major with a buffer of its own, else a row-major copy (for {@link #readStorage}). */
    public static INDArray rowMajor(INDArray x) {
        return x.ordering() == 'c' && ownsBuffer(x) ? x : x.dup('c');
    }

    /** Copies {@code src} into the first {@code src.length} numbers of x's buffer, in storage order. */
    public static void writeStorage(double[] src, INDArray x) {
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

    /**
     * Writes row-major {@code [rows, cols]} numbers into x's buffer as {@code [cols, rows]}, i.e. fills a column-major
     * {@code [rows, cols]} array, in one pass (split over threads by column for large arrays).
     */
    public static void writeStorageTransposed(double[] src, int rows, int cols, INDArray x) {
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
    public static void readStorageTransposed(INDArray x, int rows, int cols, double[] dst) {
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
    public static INDArray array(double[] a, DataType type, long... shape) {
        if (type == DataType.DOUBLE) return Nd4j.create(a, shape, DataType.DOUBLE);
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) f[i] = (float) a[i];
        INDArray out = Nd4j.create(f, shape, DataType.FLOAT);
        return type == DataType.FLOAT ? out : out.castTo(type);
    }
}
