package org.rat4j.data.iter;

/**
 * A seeded random permutation of {@code [0, n)} that needs no memory: a 4-round Feistel network on the smallest
 * power-of-four domain that holds n, with cycle walking (values outside {@code [0, n)} are permuted again until they
 * fall inside). A Feistel network is a bijection whatever its round function, so this is a bijection on
 * {@code [0, n)}. This keeps a billion-window corpus shuffled without a billion-entry table, and makes the
 * permutation a pure function of (seed, epoch), which is what resuming needs.
 */
public final class WindowPermutation {
    private static final int ROUNDS = 4;

    private final long n;
    private final int halfBits;
    private final long halfMask;
    private final long[] roundKeys = new long[ROUNDS];

    /**
     * @param n    domain size, at least 1
     * @param seed seed; different seeds give unrelated permutations
     */
    public WindowPermutation(long n, long seed) {
        if (n < 1) throw new IllegalArgumentException("permutation of an empty range");
        this.n = n;
        int bits = Math.max(2, 64 - Long.numberOfLeadingZeros(n - 1));
        if (bits % 2 == 1) bits++;
        halfBits = bits / 2;
        halfMask = (1L << halfBits) - 1;
        long s = seed;
        for (int r = 0; r < ROUNDS; r++) {
            s += 0x9E3779B97F4A7C15L;
            roundKeys[r] = mix(s);
        }
    }

    /** The image of {@code i}, in {@code [0, n)}. */
    public long apply(long i) {
        if (i < 0 || i >= n) throw new IndexOutOfBoundsException(i + " of " + n);
        long x = i;
        do {
            x = feistel(x);
        } while (x >= n);
        return x;
    }

    private long feistel(long x) {
        long left = x >>> halfBits;
        long right = x & halfMask;
        for (int r = 0; r < ROUNDS; r++) {
            long next = left ^ (mix(right ^ roundKeys[r]) & halfMask);
            left = right;
            right = next;
        }
        return (left << halfBits) | right;
    }

    /** SplitMix64's finaliser: a fast, well-mixing 64-bit hash. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
