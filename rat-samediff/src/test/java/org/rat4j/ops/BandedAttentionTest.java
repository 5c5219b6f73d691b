package org.rat4j.ops;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The banded form of sliding-window attention equals the dense masked form, values and gradients, in float64. */
class BandedAttentionTest {
    private static final int B = 2, H = 3, D = 4;

    @Test
    void blockSizeIsTheSmallestDivisorAtLeastTheWindow() {
        assertEquals(4, BandedAttention.blockSize(16, 3));
        assertEquals(64, BandedAttention.blockSize(1024, 64));
        assertEquals(10, BandedAttention.blockSize(100, 7));          // 7, 8, 9 do not divide 100
        assertEquals(-1, BandedAttention.blockSize(128, 64));         // a 2S band would cover the whole sequence
        assertEquals(-1, BandedAttention.blockSize(13, 3));           // prime length: no block
    }

    @ParameterizedTest(name = "T={0} W={1}")
    @CsvSource({"16,3", "24,5", "12,2", "30,4", "20,1"})
    void bandedEqualsDenseValuesAndGradients(int seqLen, int window) {
        int block = BandedAttention.blockSize(seqLen, window);
        assertTrue(block > 0);
        Nd4j.getRandom().setSeed(seqLen * 31L + window);
        Map<String, INDArray> in = Map.of(
                "q", Nd4j.randn(DataType.DOUBLE, B, H, seqLen, D),
                "k", Nd4j.randn(DataType.DOUBLE, B, H, seqLen, D),
                "v", Nd4j.randn(DataType.DOUBLE, B, H, seqLen, D));
        Map<String, INDArray> banded = run(in, seqLen, window, block);
        Map<String, INDArray> dense = run(in, seqLen, window, -1);
        for (String name : List.of("y", "q", "k", "v")) {
            double diff = banded.get(name).sub(dense.get(name)).amaxNumber().doubleValue();
            assertTrue(diff < 1e-12, name + " differs by " + diff);
        }
    }

    /** The output and the gradients of sum(y ⊙ w) with respect to q, k and v. */
    private static Map<String, INDArray> run(Map<String, INDArray> in, int seqLen, int window, int block) {
        SameDiff sd = SameDiff.create();
        GraphContext ctx = new GraphContext(sd, seqLen, DataType.DOUBLE);
        SDVariable q = sd.var("q", in.get("q").dup());
        SDVariable k = sd.var("k", in.get("k").dup());
        SDVariable v = sd.var("v", in.get("v").dup());
        SDVariable y = block > 0
                ? BandedAttention.apply(ctx, q, k, v, H, D, window, block)
                : SoftmaxAttention.apply(sd, q, k, v,
                sd.constant(AttentionMask.build(seqLen, seqLen, AttentionMask.slidingWindow(window))), D);
        y = sd.identity("y", y);
        INDArray w = Nd4j.linspace(DataType.DOUBLE, 1, (long) B * H * seqLen * D, 1).reshape(B, H, seqLen, D).div(100);
        sd.sum("loss", y.mul(sd.constant(w)));
        sd.setLossVariables("loss");
        Map<String, INDArray> grads = sd.calculateGradients(Map.of(), "q", "k", "v");
        INDArray out = sd.output(Map.of(), "y").get("y");
        return Map.of("y", out, "q", grads.get("q"), "k", grads.get("k"), "v", grads.get("v"));
    }
}
