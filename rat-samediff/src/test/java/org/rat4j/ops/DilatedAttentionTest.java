package org.rat4j.ops;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rat4j.config.RatPlusPattern;
import org.rat4j.layers.RatPlusMask;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** RAT+'s three-branch sparse attention equals the dense single-mask form, values and gradients, in float64. */
class DilatedAttentionTest {
    private static final int B = 2, H = 2, D = 4;

    @Test
    void firstDilatedKeyIsTheFirstIndexAtOrAfterTheSinksWithJPlusOneDivisible() {
        assertEquals(3, DilatedAttention.firstDilatedKey(new RatPlusPattern(4, 2, 1)));    // 4 | 3+1
        assertEquals(3, DilatedAttention.firstDilatedKey(new RatPlusPattern(4, 0, 0)));
        assertEquals(7, DilatedAttention.firstDilatedKey(new RatPlusPattern(4, 0, 5)));    // 5, 6 fail; 7+1 = 8
        assertEquals(63, DilatedAttention.firstDilatedKey(new RatPlusPattern(64, 16, 4)));
        assertEquals(-1, DilatedAttention.blockSize(64, new RatPlusPattern(1, 0, 0)), "dense runs densely");
    }

    @ParameterizedTest(name = "T={0} D={1} W={2} P={3}")
    @CsvSource({"16,4,2,1", "16,4,0,0", "16,-1,3,2", "24,4,5,3", "32,8,3,4", "20,3,1,0", "12,2,2,6"})
    void sparseEqualsDenseValuesAndGradients(int seqLen, int dilation, int local, int initial) {
        RatPlusPattern pattern = new RatPlusPattern(dilation, local, initial);
        int block = DilatedAttention.blockSize(seqLen, pattern);
        assertTrue(block > 0);
        Nd4j.getRandom().setSeed(seqLen * 7L + dilation * 3L + local);
        Map<String, INDArray> in = Map.of(
                "q", Nd4j.randn(DataType.DOUBLE, B, H, seqLen, D),
                "k", Nd4j.randn(DataType.DOUBLE, B, H, seqLen, D),
                "v", Nd4j.randn(DataType.DOUBLE, B, H, seqLen, D));
        Map<String, INDArray> sparse = run(in, seqLen, pattern, block);
        Map<String, INDArray> dense = run(in, seqLen, pattern, -1);
        for (String name : List.of("y", "q", "k", "v")) {
            double diff = sparse.get(name).sub(dense.get(name)).amaxNumber().doubleValue();
            assertTrue(diff < 1e-12, name + " differs by " + diff);
        }
    }

    private static Map<String, INDArray> run(Map<String, INDArray> in, int seqLen, RatPlusPattern pattern, int block) {
        SameDiff sd = SameDiff.create();
        GraphContext ctx = new GraphContext(sd, seqLen, DataType.DOUBLE);
        SDVariable q = sd.var("q", in.get("q").dup());
        SDVariable k = sd.var("k", in.get("k").dup());
        SDVariable v = sd.var("v", in.get("v").dup());
        SDVariable y = block > 0
                ? DilatedAttention.apply(ctx, q, k, v, H, D, pattern, block)
                : SoftmaxAttention.apply(sd, q, k, v, sd.constant(RatPlusMask.additive(seqLen, pattern)), D);
        y = sd.identity("y", y);
        INDArray w = Nd4j.linspace(DataType.DOUBLE, 1, (long) B * H * seqLen * D, 1).reshape(B, H, seqLen, D).div(100);
        sd.sum("loss", y.mul(sd.constant(w)));
        sd.setLossVariables("loss");
        Map<String, INDArray> grads = sd.calculateGradients(Map.of(), "q", "k", "v");
        INDArray out = sd.output(Map.of(), "y").get("y");
        return Map.of("y", out, "q", grads.get("q"), "k", grads.get("k"), "v", grads.get("v"));
    }
}
