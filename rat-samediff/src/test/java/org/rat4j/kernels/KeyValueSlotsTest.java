package org.rat4j.kernels;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class KeyValueSlotsTest {
    private static final int BATCH = 3;
    private int heads;
    private int slotCount;
    private int dim;

    /**
     * Softmax attention over exactly the written slots of each sequence, against a float64 loop written from the
     * definition: slots written singly, as a range and by copy, gaps left unwritten, a different count per sequence;
     * at a size that runs the rows one after another within one page, and at one that runs them in parallel over
     * three pages, the last one partial, with a page that sequence 1 never writes.
     */
    @ParameterizedTest(name = "{0}, {1} slots, {2} heads of {3}")
    @CsvSource({"FLOAT, 9, 2, 4", "DOUBLE, 9, 2, 4", "FLOAT, 600, 8, 64", "DOUBLE, 600, 8, 64"})
    void attendsTheWrittenSlotsOnly(DataType type, int slotCount, int heads, int headDim) {
        this.heads = heads;
        this.slotCount = slotCount;
        this.dim = headDim;
        assertEquals(slotCount * heads * dim >= KeyValueSlots.PARALLEL_WORK, slotCount > 9, "the sizes cover both paths");
        assertEquals(slotCount > 2 * KeyValueSlots.PAGE && slotCount % KeyValueSlots.PAGE != 0, slotCount > 9, "pages");
        Random random = new Random(11);
        double[][][][] k = new double[BATCH][heads][slotCount][dim];                           // the reference cache
        double[][][][] v = new double[BATCH][heads][slotCount][dim];
        boolean[][] written = new boolean[BATCH][slotCount];
        KeyValueSlots slots = new KeyValueSlots(BATCH, heads, slotCount, dim, type);

        // sequence 0: slots 0..3 as a range; sequence 1: slots 2, 5 (gaps at 0, 1, 3, 4); sequence 2: all, one by one
        double[] range = gaussian(random, 4 * heads * dim, type);
        double[] rangeV = gaussian(random, 4 * heads * dim, type);
        slots.writeRange(0, 0, Nd4j.create(range, new long[]{4, heads, dim}, type), Nd4j.create(rangeV, new long[]{4, heads, dim}, type));
        for (int t = 0; t < 4; t++) remember(k, v, written, 0, t, range, rangeV, t * heads * dim);
        // sequence 1 also writes the last slot when there are several pages, leaving the middle page unwritten
        java.util.List<int[]> singles = new java.util.ArrayList<>(java.util.List.of(new int[]{1, 2}, new int[]{1, 5}));
        if (slotCount > 9) singles.add(new int[]{1, slotCount - 1});
        for (int t = 0; t < slotCount; t++) singles.add(new int[]{2, t});
        for (int[] bs : singles) {
            double[] kk = gaussian(random, heads * dim, type);
            double[] vv = gaussian(random, heads * dim, type);
            slots.write(bs[0], bs[1], kk, vv, 0);
            remember(k, v, written, bs[0], bs[1], kk, vv, 0);
        }
        slots.copy(0, 1, 6);                                                            // sequence 0 now 0..3 and 6
        for (int h = 0; h < heads; h++) {
            k[0][h][6] = k[0][h][1].clone();
            v[0][h][6] = v[0][h][1].clone();
        }
        written[0][6] = true;

        double tolerance = type == DataType.DOUBLE ? 1e-13 : 2e-5;                      // float32: ~1e-6 of |scores| ~ 10
        for (int round = 0; round < 2; round++) {
            double[] q = gaussian(random, BATCH * heads * dim, type);
            double[] got = slots.attend(q);
            for (int b = 0; b < BATCH; b++) {
                for (int h = 0; h < heads; h++) {
                    double[] want = reference(q, (b * heads + h) * dim, k[b][h], v[b][h], written[b]);
                    for (int j = 0; j < dim; j++) {
                        assertEquals(want[j], got[(b * heads + h) * dim + j], tolerance, "seq " + b + " head " + h + " dim " + j);
                    }
                }
            }
        }
    }

    private double[] reference(double[] q, int at, double[][] k, double[][] v, boolean[] written) {
        double[] score = new double[slotCount];
        double max = Double.NEGATIVE_INFINITY;
        for (int s = 0; s < slotCount; s++) {
            if (!written[s]) continue;
            for (int i = 0; i < dim; i++) score[s] += q[at + i] * k[s][i];
            score[s] /= Math.sqrt(dim);
            max = Math.max(max, score[s]);
        }
        double sum = 0;
        for (int s = 0; s < slotCount; s++) sum += written[s] ? Math.exp(score[s] - max) : 0;
        double[] out = new double[dim];
        for (int s = 0; s < slotCount; s++) {
            if (!written[s]) continue;
            double p = Math.exp(score[s] - max) / sum;
            for (int j = 0; j < dim; j++) out[j] += p * v[s][j];
        }
        return out;
    }

    private void remember(double[][][][] k, double[][][][] v, boolean[][] written, int b, int slot,
                                 double[] kk, double[] vv, int at) {
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < dim; i++) {
                k[b][h][slot][i] = kk[at + h * dim + i];
                v[b][h][slot][i] = vv[at + h * dim + i];
            }
        }
        written[b][slot] = true;
    }

    /** Gaussian numbers, rounded to float32 for a float32 cache so that the reference sees what the cache holds. */
    private static double[] gaussian(Random random, int n, DataType type) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = type == DataType.FLOAT ? (float) (2 * random.nextGaussian()) : 2 * random.nextGaussian();
        return out;
    }
}
