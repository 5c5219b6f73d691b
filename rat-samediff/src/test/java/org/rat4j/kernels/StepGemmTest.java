package org.rat4j.kernels;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StepGemmTest {
    /**
     * x·Wᵀ equals a float64 triple loop in both layouts (row-major below COLUMN_MAJOR_BATCH, column-major from it),
     * with the transposing copies serial and, at 64 × 1100 numbers, split over threads.
     */
    @ParameterizedTest(name = "{0} rows, {1}, {2} -> {3}")
    @CsvSource({"1, FLOAT, 12, 7", "3, DOUBLE, 12, 7", "8, FLOAT, 12, 7", "9, DOUBLE, 12, 7", "17, FLOAT, 12, 7",
            "64, FLOAT, 1100, 70", "64, DOUBLE, 30, 1100"})
    void equalsTheDefinitionAndForgetsThePreviousCall(int batch, DataType type, int in, int out) {
        Nd4j.getRandom().setSeed(3);
        INDArray weight = Nd4j.randn(type, out, in);
        double[] w = NdBuffers.numbers(weight);                                          // [out, in]
        StepGemm p = new StepGemm(weight, batch);
        Random random = new Random(batch);
        double tolerance = type == DataType.DOUBLE ? 1e-12 : 1e-5 * Math.sqrt(in);
        for (int call = 0; call < 3; call++) {                                          // reused buffers: each call fresh
            double[] x = new double[batch * in];
            for (int i = 0; i < x.length; i++) x[i] = type == DataType.FLOAT ? (float) random.nextGaussian() : random.nextGaussian();
            double[] got = p.apply(x);
            for (int b = 0; b < batch; b++) {
                for (int o = 0; o < out; o++) {
                    double want = 0;
                    for (int i = 0; i < in; i++) want += x[b * in + i] * w[o * in + i];
                    assertEquals(want, got[b * out + o], tolerance * Math.max(1, Math.abs(want)), "row " + b + " col " + o);
                }
            }
        }
    }
}
