package org.rat4j.data.sft;

import org.rat4j.config.ConfigException;
import org.rat4j.data.iter.WindowPermutation;
import org.rat4j.model.TokenBatch;

import java.util.List;

/**
 * Batches of SFT rows in a seeded random order, a new order each epoch (the order is a function of seed and epoch
 * alone). Batches run on across epoch ends; {@link #state()} / {@link #restore(long)} resume exactly.
 */
public final class SftBatches {
    private final List<SftSequence> rows;
    private final int batchSize;
    private final long seed;
    private long consumed;
    private long permEpoch = -1;
    private WindowPermutation perm;

    public SftBatches(List<SftSequence> rows, int batchSize, long seed) {
        if (rows.isEmpty()) throw new ConfigException("no SFT rows to batch");
        if (batchSize < 1) throw new ConfigException("batch size must be at least 1, got " + batchSize);
        this.rows = List.copyOf(rows);
        this.batchSize = batchSize;
        this.seed = seed;
    }

    /** The next {@code [B][T]} inputs and targets (targets -100 on prompts and padding). */
    public TokenBatch nextBatch() {
        int[][] in = new int[batchSize][];
        int[][] out = new int[batchSize][];
        for (int b = 0; b < batchSize; b++) {
            SftSequence s = rows.get((int) rowIndex(consumed++));
            in[b] = s.inputs().clone();
            out[b] = s.targets().clone();
        }
        return new TokenBatch(in, out);
    }

    private long rowIndex(long k) {
        long n = rows.size();
        long epoch = k / n;
        if (epoch != permEpoch) {
            perm = new WindowPermutation(n, seed * 0x9E3779B97F4A7C15L + epoch);
            permEpoch = epoch;
        }
        return perm.apply(k % n);
    }

    /** Rows handed out so far: save it to resume. */
    public long state() {
        return consumed;
    }

    public void restore(long consumedRows) {
        if (consumedRows < 0) throw new ConfigException("a saved SFT position cannot be negative: " + consumedRows);
        consumed = consumedRows;
    }

    /** Batches per epoch, rounding up (the last one takes rows of the next epoch). */
    public long batchesPerEpoch() {
        return (rows.size() + batchSize - 1) / batchSize;
    }

    public long epoch() {
        return consumed / rows.size();
    }
}
