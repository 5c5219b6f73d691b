package org.rat4j.bench;

import org.junit.jupiter.api.Test;
import org.rat4j.ratplus.RatPlusMask;
import org.rat4j.ratplus.RatPlusPattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FlopCountTest {
    private static final int D = 1024;
    private static final int H = 8;

    @Test
    void projectionsPerToken() {
        assertEquals(8.0 * D * D, FlopCount.projectionPerToken(MixerSpec.parse("attention"), D, H));
        assertEquals(8.0 * D * D, FlopCount.projectionPerToken(MixerSpec.parse("rnn"), D, H));
        assertEquals(8.0 * D * D, FlopCount.projectionPerToken(MixerSpec.parse("swa1024"), D, H));
        // in_proj [3D + 2·G·d, D] with G = 2, d = 128, plus out_proj: 8D² + 4·2·128·D = 8,388,608 + 1,048,576
        assertEquals(9_437_184.0, FlopCount.projectionPerToken(MixerSpec.parse("rat16"), D, H));
        assertEquals(12.0 * D * D, FlopCount.projectionPerToken(MixerSpec.parse("ratplus16-0-4"), D, H));
    }

    @Test
    void attentionForwardByHand() {
        // B=1, T=4: keys 1+2+3+4 = 10; 4 tokens × 8D² + 4·D·10
        assertEquals(33_554_432.0 + 40_960.0, FlopCount.forward(MixerSpec.parse("attention"), D, H, 1, 4));
        assertEquals(3 * (33_554_432.0 + 40_960.0), FlopCount.train(MixerSpec.parse("attention"), D, H, 1, 4));
        // B=2: twice that
        assertEquals(2 * (33_554_432.0 + 40_960.0), FlopCount.of(Modes.PREFILL, MixerSpec.parse("attention"), D, H, 2, 4));
    }

    @Test
    void ratForwardByHand() {
        // L=2, T=4: keys per query 1,1,2,2 = 6
        MixerSpec rat2 = MixerSpec.parse("rat2");
        assertEquals(6.0, FlopCount.keySum(rat2, 4));
        assertEquals(4 * 9_437_184.0 + 4.0 * D * 6, FlopCount.forward(rat2, D, H, 1, 4));
        // L=16, T=64: C=4 chunks, keys 16·(1+2+3+4) = 160
        assertEquals(160.0, FlopCount.keySum(MixerSpec.parse("rat16"), 64));
        // a partial last chunk: T=20, L=16: 16·1 + 4·2 = 24
        assertEquals(24.0, FlopCount.keySum(MixerSpec.parse("rat16"), 20));
    }

    @Test
    void swaAndRnnKeys() {
        MixerSpec swa = MixerSpec.parse("swa2");
        assertEquals(1 + 2 + 3 + 3 + 3, FlopCount.keySum(swa, 5));
        assertEquals(0.0, FlopCount.keySum(MixerSpec.parse("rnn"), 100));
        assertEquals(8.0 * D * D * 3 * 7, FlopCount.of(Modes.GEN, MixerSpec.parse("rnn"), D, H, 3 * 7, 4096));
    }

    @Test
    void ratPlusKeysMatchTheMask() {
        int[][] patterns = {{16, 0, 4}, {16, 8, 4}, {4, 5, 0}, {-1, 8, 4}, {64, 0, 0}, {1, 0, 4}, {3, 2, 7}};
        for (int[] p : patterns) {
            RatPlusPattern pattern = new RatPlusPattern(p[0], p[1], p[2]);
            MixerSpec m = MixerSpec.parse("ratplus" + (p[0] == -1 ? "n" : p[0]) + "-" + p[1] + "-" + p[2]);
            for (int t = 0; t < 200; t++) {
                assertEquals(RatPlusMask.keyCount(pattern, t), FlopCount.keys(m, t), "pattern " + pattern + " t=" + t);
            }
        }
    }

    @Test
    void genStepAndBytes() {
        MixerSpec attn = MixerSpec.parse("attention");
        // one token per sequence at position T-1 = 4095 attends 4096 keys
        assertEquals(4 * (8.0 * D * D + 4.0 * D * 4096), FlopCount.genStep(attn, D, H, 4, 4096));
        // weights (4D² + D) once, plus K and V of 4096 keys for each of 4 sequences, float32
        assertEquals(4.0 * (4.0 * D * D + D + 4 * 2.0 * D * 4096), FlopCount.genBytes(attn, D, H, 4, 4096));
        MixerSpec rat = MixerSpec.parse("rat16");
        assertEquals(256, FlopCount.keys(rat, 4095));
    }

    @Test
    void executedFlopsOfTheDenseGraphs() {
        // attention's dense graph multiplies all T keys per query: 2x the causal count, minus the diagonal
        MixerSpec attn = MixerSpec.parse("attention");
        assertEquals(4.0 * (8.0 * D * D + 4.0 * D * 4), FlopCount.forwardExecuted(attn, D, H, 1, 4));
        MixerSpec rat = MixerSpec.parse("rat16");
        assertEquals(64.0 * (9_437_184.0 + 4.0 * D * 5), FlopCount.forwardExecuted(rat, D, H, 1, 64));
        // SWA(1024): dense at T=2048 (a 2S band would be the whole sequence), a 2048-key band at T=4096
        MixerSpec swa = MixerSpec.parse("swa1024");
        assertEquals(2048, FlopCount.executedKeysPerQuery(swa, 2048));
        assertEquals(2048, FlopCount.executedKeysPerQuery(swa, 4096));
        assertEquals(2048, FlopCount.executedKeysPerQuery(swa, 16384));
        // RAT+(16, 0, 4) at T=4096: band of 2·1 keys, 4 sinks, keys 15, 31, ..., 4095 (256 of them)
        assertEquals(2 + 4 + 256, FlopCount.executedKeysPerQuery(MixerSpec.parse("ratplus16-0-4"), 4096));
    }
}
