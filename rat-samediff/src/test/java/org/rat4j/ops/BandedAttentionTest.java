package org.rat4j.ops;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.junit.jupiter.api.Test;

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
        Map<String, INDArray> in = AttentionGradients.inputs(seqLen * 31L + window, B, H, seqLen, D);
        INDArray mask = AttentionMask.build(seqLen, seqLen, AttentionMask.slidingWindow(window));
        AttentionGradients.assertSame(
                AttentionGradients.run(in, seqLen, (ctx, q, k, v) -> BandedAttention.apply(ctx, q, k, v, H, D, window, block)),
                AttentionGradients.run(in, seqLen, (ctx, q, k, v) -> SoftmaxAttention.apply(ctx.sd(), q, k, v, ctx.sd().constant(mask), D)));
    }
}
