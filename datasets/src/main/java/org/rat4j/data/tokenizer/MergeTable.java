package org.rat4j.data.tokenizer;

/**
 * Open-addressing hash map from a pair of piece ids to (merge rank, merged piece id). The BPE inner loop looks up
 * one pair per candidate merge, so this avoids boxing and string building: the key is the two ids packed in a long.
 */
final class MergeTable {
    private static final long EMPTY = -1L;

    private final long[] keys;
    private final int[] ranks;
    private final int[] results;
    private final int mask;
    private final int shift;

    /**
     * @param left    left id of each merge, by rank
     * @param right   right id of each merge, by rank
     * @param results merged piece id of each merge, by rank
     */
    MergeTable(int[] left, int[] right, int[] results) {
        int capacity = Integer.highestOneBit(Math.max(4, left.length * 2 + 1)) << 1; // load factor <= 1/2
        keys = new long[capacity];
        ranks = new int[capacity];
        this.results = new int[capacity];
        mask = capacity - 1;
        shift = 64 - Integer.numberOfTrailingZeros(capacity);
        java.util.Arrays.fill(keys, EMPTY);
        for (int rank = 0; rank < left.length; rank++) {
            long key = key(left[rank], right[rank]);
            int slot = slot(key);
            while (keys[slot] != EMPTY && keys[slot] != key) slot = (slot + 1) & mask;
            // A repeated pair keeps its last rank, as a map filled in list order would (the LLaMA list has none).
            keys[slot] = key;
            ranks[slot] = rank;
            this.results[slot] = results[rank];
        }
    }

    private static long key(int left, int right) {
        return ((long) left << 32) | (right & 0xffffffffL);
    }

    private int slot(long key) {
        // Fibonacci hashing: the top bits of the product are well mixed.
        return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);
    }

    /** Slot of the pair, or -1 when the pair never merges. */
    int find(int left, int right) {
        long key = key(left, right);
        int slot = slot(key);
        while (true) {
            long k = keys[slot];
            if (k == key) return slot;
            if (k == EMPTY) return -1;
            slot = (slot + 1) & mask;
        }
    }

    int rankAt(int slot) {
        return ranks[slot];
    }

    int resultAt(int slot) {
        return results[slot];
    }
}
