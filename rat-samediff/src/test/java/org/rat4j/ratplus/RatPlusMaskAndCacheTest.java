package org.rat4j.ratplus;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rat4j.BlockHarness;
import org.rat4j.block.BlockDims;

import java.util.HashMap;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.*;

/** Invariant I6: the RAT+ mask, its two disjoint branches, and a cache that holds exactly the masked keys. */
class RatPlusMaskAndCacheTest {

    @Test
    void twoBranchesAreDisjointAndCoverTheMask() {
        for (int t : new int[]{64, 100}) {
            for (int dl : new int[]{1, 2, 4, 16, 64, -1}) {
                for (int w : new int[]{0, 3, 16, 40}) {
                    for (int p : new int[]{0, 1, 4, 20}) {
                        RatPlusPattern pat = new RatPlusPattern(dl, w, p);
                        for (int q = 0; q < t; q++) {
                            for (int k = 0; k < t; k++) {
                                boolean a = RatPlusMask.dilatedBranch(pat, q, k), b = RatPlusMask.localBranch(pat, q, k);
                                assertFalse(a && b, pat + " overlap at " + q + "," + k);
                                assertEquals(pat.allows(q, k), a || b, pat + " at " + q + "," + k);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void denseSpecialCases() {
        for (int q = 0; q < 50; q++) {
            for (int k = 0; k < 50; k++) {
                assertEquals(k <= q, new RatPlusPattern(1, 0, 0).allows(q, k), "Dl = 1 is dense");
                assertEquals(k <= q, new RatPlusPattern(-1, 0, 50).allows(q, k), "Dl = -1 with P >= T is dense");
            }
        }
        // W = 0 keeps the query itself: (Dl, 0, 0) is RAT's key set (every Dl-th token plus self).
        RatPlusPattern rat = new RatPlusPattern(4, 0, 0);
        assertArrayEquals(new int[]{3, 7, 10}, IntStream.rangeClosed(0, 10).filter(k -> rat.allows(10, k)).toArray());
        assertEquals(3, RatPlusMask.keyCount(rat, 10));
    }

    @Test
    void cacheHoldsExactlyTheMaskedKeys() {
        BlockDims dims = new BlockDims(8, 2, 1e-6, 0.02);
        int steps = 80;
        for (RatPlusPattern pat : new RatPlusPattern[]{new RatPlusPattern(16, 0, 4), new RatPlusPattern(16, 8, 4),
                new RatPlusPattern(4, 5, 0), new RatPlusPattern(-1, 8, 4), new RatPlusPattern(64, 0, 0), new RatPlusPattern(1, 0, 4)}) {
            RatPlusBlock layer = new RatPlusBlock(dims, RatPlusConfig.of(pat.dilation(), pat.local(), pat.initial()), pat);
            Map<String, INDArray> params = BlockHarness.params(layer, 1);
            RatPlusCache cache = (RatPlusCache) layer.newCache(params, 1, steps + 1);
            INDArray x = BlockHarness.input(1, steps, 8, 2);
            for (int t = 0; t < steps; t++) {
                cache.step(x.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(t),
                        org.nd4j.linalg.indexing.NDArrayIndex.all()).dup().reshape(1, 8), new int[]{t});
                int next = t + 1;
                int[] want = IntStream.rangeClosed(0, t).filter(k -> pat.allows(next, k)).toArray();
                assertArrayEquals(want, cache.storedTokens(0), pat + " after token " + t);
            }
            // A prefill of n tokens stores the same set as n steps.
            for (int n : new int[]{1, 5, 37, 64}) {
                RatPlusCache pre = (RatPlusCache) layer.newCache(params, 1, steps + 1);
                Map<String, INDArray> taps = new HashMap<>();
                taps.put(RatPlusLayout.TAP_K, Nd4j.rand(DataType.DOUBLE, 1, n, 8));
                taps.put(RatPlusLayout.TAP_V, Nd4j.rand(DataType.DOUBLE, 1, n, 8));
                pre.prefill(taps, new int[]{n});
                int[] want = IntStream.range(0, n).filter(k -> pat.allows(n, k)).toArray();
                assertArrayEquals(want, pre.storedTokens(0), pat + " after a prefill of " + n);
            }
        }
    }
}
