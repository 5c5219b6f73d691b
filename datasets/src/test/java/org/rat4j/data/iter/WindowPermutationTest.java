package org.rat4j.data.iter;

import org.junit.jupiter.api.Test;

import java.util.BitSet;

import static org.junit.jupiter.api.Assertions.*;

class WindowPermutationTest {
    @Test
    void isABijectionForManySizes() {
        for (long n = 1; n <= 300; n++) {
            WindowPermutation p = new WindowPermutation(n, n * 31);
            BitSet seen = new BitSet();
            for (long i = 0; i < n; i++) {
                long v = p.apply(i);
                assertTrue(v >= 0 && v < n);
                assertFalse(seen.get((int) v), "n=" + n + " repeats " + v);
                seen.set((int) v);
            }
        }
    }

    @Test
    void largeDomainsAndSeedsDiffer() {
        long n = 3_000_000_017L;
        WindowPermutation a = new WindowPermutation(n, 1);
        WindowPermutation b = new WindowPermutation(n, 2);
        int same = 0;
        for (long i = 0; i < 1000; i++) {
            long x = a.apply(i);
            assertTrue(x >= 0 && x < n);
            if (x == b.apply(i)) same++;
        }
        assertTrue(same < 3, "different seeds give different permutations");
        assertEquals(a.apply(123456789L), new WindowPermutation(n, 1).apply(123456789L));
    }
}
