package org.rat4j.decode;

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
 * weighted sum is {@code S} runs of {@code out[j] += p[s]·V[s][j]}. The attention of a sequence runs over slots
 * {@code 0 .. its highest valid slot} only. float64 caches (the exactness tests) keep float64 numbers; every other
 * type is held and computed in float32.
 */
final class KeyValueSlots {
    /** Below this many multiply-adds per step the fork/join hand-off costs more than a second core gains. */
    static final long PARALLEL_WORK = 1L << 16;

    private final int heads;
    private final int slots;
    private final int headDim;
    private final boolean[][] valid;      // [B][S]
    private final int[] used;             // per sequence: 1 + highest slot written
    private final Store store;

    KeyValueSlots(int batch, int heads, int slots, int headDim, DataType type) {
        this.heads = heads;
        this.slots = slots;
        this.headDim = headDim;
        this.valid = new boolean[batch][slots];
        this.used = new int[batch];
        int rows = batch * heads;
        this.store = type == DataType.DOUBLE ? new DoubleStore(rows, slots, headDim) : new FloatStore(rows, slots, headDim);
    }

    int slots() {
        return slots;
    }

    /** Writes one slot of sequence b: {@code k, v: [H, d]}. */
    void write(int b, int slot, INDArray k, INDArray v) {
        write(b, slot, StepMath.numbers(k), StepMath.numbers(v), 0);
    }

    /** Writes one slot of sequence b from row-major {@code [H, d]} numbers starting at element {@code at}. */
    void write(int b, int slot, double[] k, double[] v, int at) {
        store.put(b * heads, slot, k, v, at, heads);
        validate(b, slot, slot + 1);
    }

    /** Writes slot {@code slot[b]} of every sequence b from row-major {@code k, v: [B, H, d]}. */
    void writeEach(int[] slot, double[] k, double[] v) {
        for (int b = 0; b < slot.length; b++) write(b, slot[b], k, v, b * heads * headDim);
    }

    /** Writes slots {@code start .. start+n-1} of sequence b: {@code k, v: [n, H, d]}. */
    void writeRange(int b, int start, INDArray k, INDArray v) {
        int n = (int) k.size(0);
        if (n == 0) return;
        double[] kk = StepMath.numbers(k);
        double[] vv = StepMath.numbers(v);
        for (int t = 0; t < n; t++) store.put(b * heads, start + t, kk, vv, t * heads * headDim, heads);
        validate(b, start, start + n);
    }

    /** Copies slot {@code from} to slot {@code to} within sequence b. */
    void copy(int b, int from, int to) {
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
    double[] attend(double[] q) {
        int batch = q.length / (heads * headDim);
        long work = 0;
        for (int b = 0; b < batch; b++) work += (long) used[b] * heads * headDim;
        double[] out = new double[q.length];
        IntStream rows = IntStream.range(0, batch * heads);
        (work >= PARALLEL_WORK ? rows.parallel() : rows)
                .forEach(row -> store.attendRow(row, q, out, used[row / heads], valid[row / heads]));
        return out;
    }

    long elementsPerSequence() {
        return 2L * heads * slots * headDim;
    }

    /** Rows (sequence × head) of transposed keys and values, in one primitive type. */
    private interface Store {
        /** Rows {@code firstRow ..} from row-major {@code [rows, d]} numbers at element offset {@code at}. */
        void put(int firstRow, int slot, double[] k, double[] v, int at, int rows);

        void copy(int row, int from, int to);

        /** Attention of the query {@code q[row·d ..]} over the first n slots of the row, into {@code out[row·d ..]}. */
        void attendRow(int row, double[] q, double[] out, int n, boolean[] valid);
    }

    private static final class FloatStore implements Store {
        private final float[][] keysT;    // per row: [d, S]
        private final float[][] values;   // per row: [S, d]
        private final int slots;
        private final int d;
        private final float scale;

        FloatStore(int rows, int slots, int d) {
            this.keysT = new float[rows][slots * d];
            this.values = new float[rows][slots * d];
            this.slots = slots;
            this.d = d;
            this.scale = (float) (1.0 / Math.sqrt(d));
        }

        @Override
        public void put(int firstRow, int slot, double[] k, double[] v, int at, int rows) {
            for (int r = 0; r < rows; r++) {
                float[] kt = keysT[firstRow + r];
                float[] vr = values[firstRow + r];
                int from = at + r * d;
                for (int i = 0; i < d; i++) {
                    kt[i * slots + slot] = (float) k[from + i];
                    vr[slot * d + i] = (float) v[from + i];
                }
            }
        }

        @Override
        public void copy(int row, int from, int to) {
            float[] kt = keysT[row];
            for (int i = 0; i < d; i++) kt[i * slots + to] = kt[i * slots + from];
            System.arraycopy(values[row], from * d, values[row], to * d, d);
        }

        @Override
        public void attendRow(int row, double[] q, double[] out, int n, boolean[] valid) {
            float[] kt = keysT[row];
            float[] s = new float[n];
            for (int i = 0; i < d; i++) {
                float qi = (float) q[row * d + i];
                int base = i * slots;
                for (int t = 0; t < n; t++) s[t] += qi * kt[base + t];
            }
            float max = Float.NEGATIVE_INFINITY;
            for (int t = 0; t < n; t++) if (valid[t]) max = Math.max(max, s[t] * scale);
            float sum = 0f;
            for (int t = 0; t < n; t++) {
                s[t] = valid[t] ? (float) Math.exp(s[t] * scale - max) : 0f;
                sum += s[t];
            }
            float[] v = values[row];
            float[] y = new float[d];
            for (int t = 0; t < n; t++) {
                float p = s[t] / sum;
                if (p == 0f) continue;
                int base = t * d;
                for (int j = 0; j < d; j++) y[j] += p * v[base + j];
            }
            for (int j = 0; j < d; j++) out[row * d + j] = y[j];
        }
    }

    /** The same as {@link FloatStore} in float64 (kept apart so the float32 loops stay primitive and vectorised). */
    private static final class DoubleStore implements Store {
        private final double[][] keysT;
        private final double[][] values;
        private final int slots;
        private final int d;
        private final double scale;

        DoubleStore(int rows, int slots, int d) {
            this.keysT = new double[rows][slots * d];
            this.values = new double[rows][slots * d];
            this.slots = slots;
            this.d = d;
            this.scale = 1.0 / Math.sqrt(d);
        }

        @Override
        public void put(int firstRow, int slot, double[] k, double[] v, int at, int rows) {
            for (int r = 0; r < rows; r++) {
                double[] kt = keysT[firstRow + r];
                int from = at + r * d;
                for (int i = 0; i < d; i++) kt[i * slots + slot] = k[from + i];
                System.arraycopy(v, from, values[firstRow + r], slot * d, d);
            }
        }

        @Override
        public void copy(int row, int from, int to) {
            double[] kt = keysT[row];
            for (int i = 0; i < d; i++) kt[i * slots + to] = kt[i * slots + from];
            System.arraycopy(values[row], from * d, values[row], to * d, d);
        }

        @Override
        public void attendRow(int row, double[] q, double[] out, int n, boolean[] valid) {
            double[] kt = keysT[row];
            double[] s = new double[n];
            for (int i = 0; i < d; i++) {
                double qi = q[row * d + i];
                int base = i * slots;
                for (int t = 0; t < n; t++) s[t] += qi * kt[base + t];
            }
            double max = Double.NEGATIVE_INFINITY;
            for (int t = 0; t < n; t++) if (valid[t]) max = Math.max(max, s[t] * scale);
            double sum = 0;
            for (int t = 0; t < n; t++) {
                s[t] = valid[t] ? Math.exp(s[t] * scale - max) : 0;
                sum += s[t];
            }
            double[] v = values[row];
            int o = row * d;
            for (int t = 0; t < n; t++) {
                double p = s[t] / sum;
                if (p == 0) continue;
                int base = t * d;
                for (int j = 0; j < d; j++) out[o + j] += p * v[base + j];
            }
        }
    }
}
