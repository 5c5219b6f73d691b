package org.rat4j.kernels;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.stream.IntStream;

/**
 * Slots of keys and values per sequence and head, each slot valid or not per sequence. A query attends every valid
 * slot of its own sequence; what a slot holds (a token, a chunk summary, a sink) is the owning cache's business.
 *
 * <p>Why plain Java arrays and loops rather than ND4J: one decode step is a matrix-vector product per (sequence,
 * head), a few hundred to a few thousand numbers each. As batched ND4J ops (matmul, mask add, softmax, matmul) this
 * ran at a fifth of the memory bandwidth and was dispatch-bound at small batches; as loops the JIT vectorises, it
 * streams each cache once. Keys are stored transposed ({@code [d, S]} per sequence and head) so that scoring a query
 * is {@code d} runs of {@code scores[s] += q[i]·Kᵀ[i][s]} (no reductions), values as {@code [S, d]} so that the
 * weighted sum is {@code S} runs of {@code out[j] += p[s]·V[s][j]}, both in pages of {@link #PAGE} slots. The
 * attention of a sequence runs over slots
 * {@code 0 .. its highest valid slot} only. float64 caches (the exactness tests) keep float64 numbers, bfloat16
 * caches (the papers' decode numerics, half the memory) hold bfloat16 and compute in float32; every other type is
 * held and computed in float32.
 */
public final class KeyValueSlots {
    /** Below this many multiply-adds per step the fork/join hand-off costs more than a second core gains. */
    static final long PARALLEL_WORK = 1L << 16;
    /**
     * Slots per page. Each (sequence, head) holds its slots in pages of this many, allocated when first written: a
     * cache takes memory for the tokens it holds, not its capacity, and no array reaches G1's "humongous" size (half
     * a heap region, 2 MB at a 6 GB heap). One 2 MB array per head at T=4096, D=1024 was humongous and took a
     * region of twice its size, so attention at B=128 did not fit a 6 GB heap.
     */
    static final int PAGE = 256;

    private final int heads;
    private final int slots;
    private final int headDim;
    private final boolean[][] valid;      // [B][S]
    private final int[] used;             // per sequence: 1 + highest slot written
    private final Store store;

    public KeyValueSlots(int batch, int heads, int slots, int headDim, DataType type) {
        this.heads = heads;
        this.slots = slots;
        this.headDim = headDim;
        this.valid = new boolean[batch][slots];
        this.used = new int[batch];
        int rows = batch * heads;
        this.store = switch (type) {
            case DOUBLE -> new DoubleStore(rows, slots, headDim);
            case BFLOAT16 -> new Bf16Store(rows, slots, headDim);
            default -> new FloatStore(rows, slots, headDim);
        };
    }

    public int slots() {
        return slots;
    }

    /** Writes one slot of sequence b: {@code k, v: [H, d]}. */
    public void write(int b, int slot, INDArray k, INDArray v) {
        write(b, slot, NdBuffers.numbers(k), NdBuffers.numbers(v), 0);
    }

    /** Writes one slot of sequence b from row-major {@code [H, d]} numbers starting at element {@code at}. */
    public void write(int b, int slot, double[] k, double[] v, int at) {
        store.put(b * heads, slot, k, v, at, heads);
        validate(b, slot, slot + 1);
    }

    /** Writes slot {@code slot[b]} of every sequence b from row-major {@code k, v: [B, H, d]}. */
    public void writeEach(int[] slot, double[] k, double[] v) {
        for (int b = 0; b < slot.length; b++) write(b, slot[b], k, v, b * heads * headDim);
    }

    /** Writes slots {@code start .. start+n-1} of sequence b: {@code k, v: [n, H, d]}. */
    public void writeRange(int b, int start, INDArray k, INDArray v) {
        writeRange(b, start, NdBuffers.numbers(k), NdBuffers.numbers(v), (int) k.size(0));
    }

    /** Writes slots {@code start .. start+n-1} of sequence b from row-major {@code k, v: [n, H, d]} numbers. */
    public void writeRange(int b, int start, double[] k, double[] v, int n) {
        if (n == 0) return;
        for (int t = 0; t < n; t++) store.put(b * heads, start + t, k, v, t * heads * headDim, heads);
        validate(b, start, start + n);
    }

    /** Copies slot {@code from} to slot {@code to} within sequence b. */
    public void copy(int b, int from, int to) {
        for (int h = 0; h < heads; h++) store.copy(b * heads + h, from, to);
        validate(b, to, to + 1);
    }

    private void validate(int b, int from, int to) {
        if (from < 0 || to > slots) {
            throw new IllegalStateException("slot " + from + " is outside the cache's " + slots + " slots");
        }
        for (int s = from; s < to; s++) valid[b][s] = true;
        used[b] = Math.max(used[b], to);
    }

    /**
     * Softmax attention of one query per sequence over its valid slots.
     *
     * @param q row-major {@code [B, H, d]}, already rotated as the keys were
     * @return row-major {@code [B, H, d]}
     */
    public double[] attend(double[] q) {
        int batch = q.length / (heads * headDim);
        long work = 0;
        for (int b = 0; b < batch; b++) work += (long) used[b] * heads * headDim;
        double[] out = new double[q.length];
        IntStream rows = IntStream.range(0, batch * heads);
        (work >= PARALLEL_WORK ? rows.parallel() : rows)
                .forEach(row -> store.attendRow(row, q, out, used[row / heads], valid[row / heads]));
        return out;
    }

    public long elementsPerSequence() {
        return 2L * heads * slots * headDim;
    }

    /** Bytes of keys and values held now: the pages written so far (memory follows the tokens held). */
    public long allocatedBytes() {
        return store.allocatedBytes();
    }

    /**
     * Java heap one sequence's slots take once every page is written: whole pages of keys and values (float32,
     * float64 for a float64 model, bfloat16 when asked), the page references and the validity flags. Known before anything is allocated,
     * so that a cache too large for the heap is refused first ({@code model.MemoryBudget}).
     */
    public static long heapBytesPerSequence(int heads, long slots, int headDim, DataType type) {
        long pages = (slots + PAGE - 1) / PAGE;
        long width = switch (type) {
            case DOUBLE -> Double.BYTES;
            case BFLOAT16 -> Short.BYTES;
            default -> Float.BYTES;
        };
        return heads * pages * (2L * PAGE * headDim * width + 2L * Long.BYTES) + slots;
    }

    /** Rows (sequence × head) of transposed keys and values, in one primitive type. */
    private interface Store {
        /** Rows {@code firstRow ..} from row-major {@code [rows, d]} numbers at element offset {@code at}. */
        void put(int firstRow, int slot, double[] k, double[] v, int at, int rows);

        void copy(int row, int from, int to);

        /** Attention of the query {@code q[row·d ..]} over the first n slots of the row, into {@code out[row·d ..]}. */
        void attendRow(int row, double[] q, double[] out, int n, boolean[] valid);

        /** Bytes of the pages allocated so far. */
        long allocatedBytes();
    }

    /** Bytes of the non-null pages of {@code pages} ({@code [rows][pages][]}), each of {@code pageBytes}. */
    private static long pageBytes(Object[][] pages, long pageBytes) {
        long n = 0;
        for (Object[] row : pages) for (Object page : row) if (page != null) n++;
        return 2 * n * pageBytes;                                                         // keys and values
    }

    private static final class FloatStore implements Store {
        private final float[][][] keysT;  // per row, per page: [d, PAGE]
        private final float[][][] values; // per row, per page: [PAGE, d]
        private final int d;
        private final float scale;

        FloatStore(int rows, int slots, int d) {
            int pages = (slots + PAGE - 1) / PAGE;
            this.keysT = new float[rows][pages][];
            this.values = new float[rows][pages][];
            this.d = d;
            this.scale = (float) (1.0 / Math.sqrt(d));
        }

        @Override
        public long allocatedBytes() {
            return pageBytes(keysT, 4L * d * PAGE);
        }

        /** Allocates the page of {@code slot} in row r on first use (rows are written by one thread each). */
        private void touch(int r, int page) {
            if (keysT[r][page] == null) {
                keysT[r][page] = new float[d * PAGE];
                values[r][page] = new float[PAGE * d];
            }
        }

        @Override
        public void put(int firstRow, int slot, double[] k, double[] v, int at, int rows) {
            int page = slot / PAGE;
            int o = slot % PAGE;
            for (int r = 0; r < rows; r++) {
                touch(firstRow + r, page);
                float[] kt = keysT[firstRow + r][page];
                float[] vp = values[firstRow + r][page];
                int from = at + r * d;
                for (int i = 0; i < d; i++) {
                    kt[i * PAGE + o] = (float) k[from + i];
                    vp[o * d + i] = (float) v[from + i];
                }
            }
        }

        @Override
        public void copy(int row, int from, int to) {
            touch(row, to / PAGE);
            float[] src = keysT[row][from / PAGE];
            float[] dst = keysT[row][to / PAGE];
            for (int i = 0; i < d; i++) dst[i * PAGE + to % PAGE] = src[i * PAGE + from % PAGE];
            System.arraycopy(values[row][from / PAGE], from % PAGE * d, values[row][to / PAGE], to % PAGE * d, d);
        }

        @Override
        public void attendRow(int row, double[] q, double[] out, int n, boolean[] valid) {
            float[] s = new float[n];
            for (int page = 0; page * PAGE < n; page++) {
                float[] kt = keysT[row][page];
                if (kt == null) continue;                                               // nothing written: all invalid
                int first = page * PAGE;
                int len = Math.min(PAGE, n - first);
                for (int i = 0; i < d; i++) {
                    float qi = (float) q[row * d + i];
                    int base = i * PAGE;
                    for (int t = 0; t < len; t++) s[first + t] += qi * kt[base + t];
                }
            }
            float max = Float.NEGATIVE_INFINITY;
            for (int t = 0; t < n; t++) if (valid[t]) max = Math.max(max, s[t] * scale);
            float sum = 0f;
            for (int t = 0; t < n; t++) {
                s[t] = valid[t] ? (float) Math.exp(s[t] * scale - max) : 0f;
                sum += s[t];
            }
            float[] y = new float[d];
            for (int t = 0; t < n; t++) {
                float p = s[t] / sum;
                if (p == 0f) continue;
                float[] vp = values[row][t / PAGE];
                int base = t % PAGE * d;
                for (int j = 0; j < d; j++) y[j] += p * vp[base + j];
            }
            for (int j = 0; j < d; j++) out[row * d + j] = y[j];
        }
    }

    /** The same as {@link FloatStore} in float64 (kept apart so the float32 loops stay primitive and vectorised). */
    private static final class DoubleStore implements Store {
        private final double[][][] keysT;
        private final double[][][] values;
        private final int d;
        private final double scale;

        DoubleStore(int rows, int slots, int d) {
            int pages = (slots + PAGE - 1) / PAGE;
            this.keysT = new double[rows][pages][];
            this.values = new double[rows][pages][];
            this.d = d;
            this.scale = 1.0 / Math.sqrt(d);
        }

        @Override
        public long allocatedBytes() {
            return pageBytes(keysT, 8L * d * PAGE);
        }

        private void touch(int r, int page) {
            if (keysT[r][page] == null) {
                keysT[r][page] = new double[d * PAGE];
                values[r][page] = new double[PAGE * d];
            }
        }

        @Override
        public void put(int firstRow, int slot, double[] k, double[] v, int at, int rows) {
            int page = slot / PAGE;
            int o = slot % PAGE;
            for (int r = 0; r < rows; r++) {
                touch(firstRow + r, page);
                double[] kt = keysT[firstRow + r][page];
                int from = at + r * d;
                for (int i = 0; i < d; i++) kt[i * PAGE + o] = k[from + i];
                System.arraycopy(v, from, values[firstRow + r][page], o * d, d);
            }
        }

        @Override
        public void copy(int row, int from, int to) {
            touch(row, to / PAGE);
            double[] src = keysT[row][from / PAGE];
            double[] dst = keysT[row][to / PAGE];
            for (int i = 0; i < d; i++) dst[i * PAGE + to % PAGE] = src[i * PAGE + from % PAGE];
            System.arraycopy(values[row][from / PAGE], from % PAGE * d, values[row][to / PAGE], to % PAGE * d, d);
        }

        @Override
        public void attendRow(int row, double[] q, double[] out, int n, boolean[] valid) {
            double[] s = new double[n];
            for (int page = 0; page * PAGE < n; page++) {
                double[] kt = keysT[row][page];
                if (kt == null) continue;
                int first = page * PAGE;
                int len = Math.min(PAGE, n - first);
                for (int i = 0; i < d; i++) {
                    double qi = q[row * d + i];
                    int base = i * PAGE;
                    for (int t = 0; t < len; t++) s[first + t] += qi * kt[base + t];
                }
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int t = 0; t < n; t++) if (valid[t]) max = Math.max(max, s[t] * scale);
            double sum = 0;
            for (int t = 0; t < n; t++) {
                s[t] = valid[t] ? Math.exp(s[t] * scale - max) : 0;
                sum += s[t];
            }
            int o = row * d;
            for (int t = 0; t < n; t++) {
                double p = s[t] / sum;
                if (p == 0) continue;
                double[] vp = values[row][t / PAGE];
                int base = t % PAGE * d;
                for (int j = 0; j < d; j++) out[o + j] += p * vp[base + j];
            }
        }
    }

    /**
     * {@link FloatStore} with its keys and values held as bfloat16 (the papers' decode caches): half the memory; the
     * scores and the weighted sum run in float32 on the widened numbers.
     */
    private static final class Bf16Store implements Store {
        private final short[][][] keysT;  // per row, per page: [d, PAGE]
        private final short[][][] values; // per row, per page: [PAGE, d]
        private final int d;
        private final float scale;

        Bf16Store(int rows, int slots, int d) {
            int pages = (slots + PAGE - 1) / PAGE;
            this.keysT = new short[rows][pages][];
            this.values = new short[rows][pages][];
            this.d = d;
            this.scale = (float) (1.0 / Math.sqrt(d));
        }

        @Override
        public long allocatedBytes() {
            return pageBytes(keysT, 2L * d * PAGE);
        }

        private void touch(int r, int page) {
            if (keysT[r][page] == null) {
                keysT[r][page] = new short[d * PAGE];
                values[r][page] = new short[PAGE * d];
            }
        }

        @Override
        public void put(int firstRow, int slot, double[] k, double[] v, int at, int rows) {
            int page = slot / PAGE;
            int o = slot % PAGE;
            for (int r = 0; r < rows; r++) {
                touch(firstRow + r, page);
                short[] kt = keysT[firstRow + r][page];
                short[] vp = values[firstRow + r][page];
                int from = at + r * d;
                for (int i = 0; i < d; i++) {
                    kt[i * PAGE + o] = Bf16.fromFloat((float) k[from + i]);
                    vp[o * d + i] = Bf16.fromFloat((float) v[from + i]);
                }
            }
        }

        @Override
        public void copy(int row, int from, int to) {
            touch(row, to / PAGE);
            short[] src = keysT[row][from / PAGE];
            short[] dst = keysT[row][to / PAGE];
            for (int i = 0; i < d; i++) dst[i * PAGE + to % PAGE] = src[i * PAGE + from % PAGE];
            System.arraycopy(values[row][from / PAGE], from % PAGE * d, values[row][to / PAGE], to % PAGE * d, d);
        }

        @Override
        public void attendRow(int row, double[] q, double[] out, int n, boolean[] valid) {
            float[] s = new float[n];
            for (int page = 0; page * PAGE < n; page++) {
                short[] kt = keysT[row][page];
                if (kt == null) continue;
                int first = page * PAGE;
                int len = Math.min(PAGE, n - first);
                for (int i = 0; i < d; i++) {
                    float qi = (float) q[row * d + i];
                    int base = i * PAGE;
                    for (int t = 0; t < len; t++) s[first + t] += qi * Bf16.toFloat(kt[base + t]);
                }
            }
            float max = Float.NEGATIVE_INFINITY;
            for (int t = 0; t < n; t++) if (valid[t]) max = Math.max(max, s[t] * scale);
            float sum = 0f;
            for (int t = 0; t < n; t++) {
                s[t] = valid[t] ? (float) Math.exp(s[t] * scale - max) : 0f;
                sum += s[t];
            }
            float[] y = new float[d];
            for (int t = 0; t < n; t++) {
                float p = s[t] / sum;
                if (p == 0f) continue;
                short[] vp = values[row][t / PAGE];
                int base = t % PAGE * d;
                for (int j = 0; j < d; j++) y[j] += p * Bf16.toFloat(vp[base + j]);
            }
            for (int j = 0; j < d; j++) out[row * d + j] = y[j];
        }
    }
}
