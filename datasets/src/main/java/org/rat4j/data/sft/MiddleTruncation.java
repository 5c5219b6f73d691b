package org.rat4j.data.sft;

import java.util.Arrays;

/**
 * LongBench's prompt truncation: a prompt longer than the budget keeps its first {@code budget/2} and last
 * {@code budget - budget/2} tokens, dropping the middle. The instruction at the start (and BOS) and the question at
 * the end survive; the long context loses its middle. Done on token ids directly (LongBench decodes and re-encodes,
 * which can shift the count by a token).
 */
public final class MiddleTruncation {
    private MiddleTruncation() {
    }

    /** {@code ids} itself when it fits, else a new array of exactly {@code budget} ids. */
    public static int[] truncate(int[] ids, int budget) {
        if (budget < 0) throw new IllegalArgumentException("negative budget " + budget);
        if (ids.length <= budget) return ids;
        int head = budget / 2;
        int tail = budget - head;
        int[] out = Arrays.copyOf(ids, budget);
        System.arraycopy(ids, ids.length - tail, out, head, tail);
        return out;
    }
}
