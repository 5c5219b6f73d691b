package org.rat4j.kernels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rat4j.ops.RotaryEmbedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class StepKernelsTest {
    /** The decode loop's RoPE equals the ND4J form bit for bit, so decode and prefill round alike. */
    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void loopRopeEqualsTheNd4jForm(DataType type) {
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.randn(type, 3, 4, 8).muli(3);
        long[] positions = {0, 7, 4095};
        INDArray[] t = RotaryEmbedding.tables(positions, 8, 10000.0);
        INDArray expected = RotaryEmbedding.applyEager(x, t[0].castTo(type).reshape(3, 1, 8), t[1].castTo(type).reshape(3, 1, 8));
        INDArray got = Rope.rope(x, positions, 10000.0);
        assertEquals(0.0, got.sub(expected).amaxNumber().doubleValue(), 0.0);
        // a strided view as input (the caches pass column slices)
        INDArray wide = Nd4j.randn(type, 3, 4, 16);
        INDArray view = wide.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(4, 12));
        INDArray viewExpected = RotaryEmbedding.applyEager(view.dup('c'), t[0].castTo(type).reshape(3, 1, 8), t[1].castTo(type).reshape(3, 1, 8));
        assertEquals(0.0, Rope.rope(view, positions, 10000.0).sub(viewExpected).amaxNumber().doubleValue(), 0.0);
    }

    /** The prefill reads one sequence's rows straight from the taps' buffer, from an element offset. */
    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void readStorageFromAnOffset(DataType type) {
        double[] numbers = new double[24];
        for (int i = 0; i < numbers.length; i++) numbers[i] = i;
        INDArray x = Nd4j.create(numbers, new long[]{2, 3, 4}, type);
        double[] row = new double[5];
        NdBuffers.readStorage(x, 13, row);
        assertArrayEquals(new double[]{13, 14, 15, 16, 17}, row, 0.0);
        assertThrows(IndexOutOfBoundsException.class, () -> NdBuffers.readStorage(x, 20, row));
    }

    @Test
    void rowMajorKeepsAnOwnedRowMajorArrayAndCopiesAView() {
        INDArray x = Nd4j.create(new float[]{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, new long[]{3, 4}, 'c');
        assertEquals(x, NdBuffers.rowMajor(x));
        assertSame(x, NdBuffers.rowMajor(x));
        INDArray column = x.getColumn(1);
        INDArray copy = NdBuffers.rowMajor(column);
        assertArrayEquals(new double[]{1, 5, 9}, copy.toDoubleVector(), 0.0);
        double[] read = new double[3];
        NdBuffers.readStorage(copy, 0, read);
        assertArrayEquals(new double[]{1, 5, 9}, read, 0.0);
    }
}
