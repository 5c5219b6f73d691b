package org.rat4j.decode;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rat4j.ops.RotaryEmbedding;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StepMathTest {
    /** The decode loop's RoPE equals the ND4J form bit for bit, so decode and prefill round alike. */
    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void loopRopeEqualsTheNd4jForm(DataType type) {
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.randn(type, 3, 4, 8).muli(3);
        long[] positions = {0, 7, 4095};
        INDArray[] t = RotaryEmbedding.tables(positions, 8, 10000.0);
        INDArray expected = RotaryEmbedding.applyEager(x, t[0].castTo(type).reshape(3, 1, 8), t[1].castTo(type).reshape(3, 1, 8));
        INDArray got = StepMath.rope(x, positions, 10000.0);
        assertEquals(0.0, got.sub(expected).amaxNumber().doubleValue(), 0.0);
        // a strided view as input (the caches pass column slices)
        INDArray wide = Nd4j.randn(type, 3, 4, 16);
        INDArray view = wide.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(4, 12));
        INDArray viewExpected = RotaryEmbedding.applyEager(view.dup('c'), t[0].castTo(type).reshape(3, 1, 8), t[1].castTo(type).reshape(3, 1, 8));
        assertEquals(0.0, StepMath.rope(view, positions, 10000.0).sub(viewExpected).amaxNumber().doubleValue(), 0.0);
    }
}
