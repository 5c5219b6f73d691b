package org.rat4j.ratplus;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.ops.AttentionGradients;
import org.rat4j.ops.SoftmaxAttention;

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
        Map<String, INDArray> in = AttentionGradients.inputs(seqLen * 7L + dilation * 3L + local, B, H, seqLen, D);
        INDArray mask = RatPlusMask.additive(seqLen, pattern);
        AttentionGradients.assertSame(
                AttentionGradients.run(in, seqLen, (ctx, q, k, v) -> DilatedAttention.apply(ctx, q, k, v, H, D, pattern, block)),
                AttentionGradients.run(in, seqLen, (ctx, q, k, v) -> SoftmaxAttention.apply(ctx.sd(), q, k, v, ctx.sd().constant(mask), D)));
    }
}
