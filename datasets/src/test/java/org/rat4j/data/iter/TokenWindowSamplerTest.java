package org.rat4j.data.iter;

import org.junit.jupiter.api.Test;
import org.rat4j.config.ConfigException;
import org.rat4j.data.shard.ArrayTokenSource;
import org.rat4j.model.TokenBatch;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class TokenWindowSamplerTest {
    /** Tokens 10, 11, 12, ... so a token's value tells its position (+10). */
    private static ArrayTokenSource counting(int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = 10 + i;
        return new ArrayTokenSource(t, 10 + n, 2);
    }

    @Test
    void orderedWindowsAreContiguousAndOverlapByOneToken() {
        // 101 tokens, T = 10: W = (101 - 1) / 10 = 10 windows; window i covers tokens [10i, 10i + 10]
        TokenWindowSampler s = new TokenWindowSampler(counting(101), 10, 3, SamplingMode.ORDERED, 0);
        assertEquals(10, s.windowsPerEpoch());
        int[][] b0 = s.nextWindows();
        assertArrayEquals(new int[]{10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}, b0[0]);
        assertArrayEquals(new int[]{20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30}, b0[1]);
        assertEquals(30, b0[2][0]);
        s.nextWindows(); // windows 3..5
        s.nextWindows(); // windows 6..8
        int[][] b3 = s.nextWindows(); // window 9, then the next epoch starts again at window 0
        assertEquals(100, b3[0][0]);
        assertEquals(110, b3[0][10]);
        assertEquals(10, b3[1][0]);
        assertEquals(1, s.epoch());
    }

    @Test
    void inputsAndTargetsLineUpAndEosMasksTheNextTarget() {
        // two documents: [5 6 7 EOS] [8 9 EOS] ...; T = 6
        int[] tokens = {5, 6, 7, 2, 8, 9, 2, 5, 6, 7, 2, 8, 9};
        TokenWindowSampler s = new TokenWindowSampler(new ArrayTokenSource(tokens, 10, 2), 6, 2, SamplingMode.ORDERED, 0);
        TokenBatch b = s.nextBatch();
        assertArrayEquals(new int[]{5, 6, 7, 2, 8, 9}, b.inputs()[0]);
        assertArrayEquals(new int[]{6, 7, 2, TokenBatch.IGNORE, 9, 2}, b.targets()[0]);
        assertArrayEquals(new int[]{2, 5, 6, 7, 2, 8}, b.inputs()[1]);
        assertArrayEquals(new int[]{TokenBatch.IGNORE, 6, 7, 2, TokenBatch.IGNORE, 9}, b.targets()[1]);
        // the model's own loss rule agrees: a target counts unless ignored or after EOS
        assertEquals(5 + 4, b.countedTargets(2));
        // every counted target is the token after its input in the stream
        for (int row = 0; row < 2; row++) {
            for (int t = 0; t < 6; t++) {
                if (b.targets()[row][t] != TokenBatch.IGNORE) assertEquals(tokens[row * 6 + t + 1], b.targets()[row][t]);
            }
        }
    }

    @Test
    void randomOrderUsesEveryWindowOncePerEpochAndChangesByEpoch() {
        TokenWindowSampler s = new TokenWindowSampler(counting(1001), 10, 4, SamplingMode.RANDOM, 42);
        int[] epoch0 = firstTokens(s, 100);
        int[] epoch1 = firstTokens(s, 100);
        Set<Integer> seen = new HashSet<>();
        for (int f : epoch0) seen.add(f);
        assertEquals(100, seen.size(), "each of the 100 windows once");
        int[] sorted0 = epoch0.clone();
        Arrays.sort(sorted0);
        int[] sorted1 = epoch1.clone();
        Arrays.sort(sorted1);
        assertArrayEquals(sorted0, sorted1);
        assertFalse(Arrays.equals(epoch0, epoch1), "a new order each epoch");
        int[] ordered = new int[100];
        for (int i = 0; i < 100; i++) ordered[i] = 10 + 10 * i;
        assertFalse(Arrays.equals(epoch0, ordered), "shuffled");
        assertArrayEquals(ordered, sorted0);
    }

    private static int[] firstTokens(TokenWindowSampler s, int n) {
        int[] out = new int[n];
        int[][] w = s.nextWindows(n);
        for (int i = 0; i < n; i++) out[i] = w[i][0];
        return out;
    }

    @Test
    void sameSeedSameBatchesOtherSeedOtherBatches() {
        TokenWindowSampler a = new TokenWindowSampler(counting(5001), 16, 8, SamplingMode.RANDOM, 7);
        TokenWindowSampler b = new TokenWindowSampler(counting(5001), 16, 8, SamplingMode.RANDOM, 7);
        TokenWindowSampler c = new TokenWindowSampler(counting(5001), 16, 8, SamplingMode.RANDOM, 8);
        for (int i = 0; i < 50; i++) {
            int[][] wa = a.nextWindows();
            assertArrayEquals(wa, b.nextWindows());
            if (i == 0) assertFalse(Arrays.deepEquals(wa, c.nextWindows()));
        }
    }

    @Test
    void restoreContinuesExactly() {
        for (SamplingMode mode : SamplingMode.values()) {
            TokenWindowSampler a = new TokenWindowSampler(counting(3001), 12, 5, mode, 99);
            for (int i = 0; i < 57; i++) a.nextWindows(); // into the third epoch (W = 249)
            String saved = a.state().toJson();
            int[][][] expected = new int[30][][];
            for (int i = 0; i < 30; i++) expected[i] = a.nextWindows();

            TokenWindowSampler b = new TokenWindowSampler(counting(3001), 12, 5, mode, 12345);
            b.restore(SamplerState.fromJson(saved));
            for (int i = 0; i < 30; i++) assertArrayEquals(expected[i], b.nextWindows(), mode + " batch " + i);
        }
    }

    @Test
    void restoreOnOtherDataIsRefused() {
        TokenWindowSampler a = new TokenWindowSampler(counting(3001), 12, 5, SamplingMode.RANDOM, 1);
        SamplerState st = a.state();
        TokenWindowSampler other = new TokenWindowSampler(counting(3002), 12, 5, SamplingMode.RANDOM, 1);
        ConfigException e = assertThrows(ConfigException.class, () -> other.restore(st));
        assertTrue(e.getMessage().contains("does not fit"), e.getMessage());
        assertThrows(ConfigException.class, () -> new TokenWindowSampler(counting(3001), 12, 5, SamplingMode.ORDERED, 1).restore(st));
        assertThrows(ConfigException.class, () -> SamplerState.fromJson("{\"mode\": 3"));
    }

    @Test
    void tooLittleDataIsAnError() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> new TokenWindowSampler(counting(10), 10, 1, SamplingMode.ORDERED, 0));
        assertTrue(e.getMessage().contains("fewer than one window"), e.getMessage());
    }
}
