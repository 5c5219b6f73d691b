package org.rat4j.data.iter;

import org.rat4j.config.ConfigException;
import org.rat4j.data.shard.TokenSource;
import org.rat4j.model.TokenBatch;

/**
 * Batches of token windows for language-model training. The stream of N tokens is cut into
 * {@code W = floor((N-1)/T)} windows of T+1 tokens; window i covers tokens {@code [iT, iT+T]}, so consecutive
 * windows share one token and every token but the first is a target exactly once per epoch. Documents are not
 * separated: attention runs across EOS (spec §2.8), and {@link #nextBatch()} masks the targets after EOS.
 * <p>{@link SamplingMode#ORDERED} hands out windows in stream order; {@link SamplingMode#RANDOM} in a random order
 * that depends only on (seed, epoch). Batches run on across epoch ends. The whole position is one counter, so
 * {@link #state()} is tiny and {@link #restore(SamplerState)} continues with exactly the batches that would have
 * come next. Not thread-safe; reading from the source is.
 */
public final class TokenWindowSampler {
    private final TokenSource source;
    private final int seqLen;
    private final int batchSize;
    private final SamplingMode mode;
    private final long windows;
    private long seed;
    private long consumed;
    private long permutationEpoch = -1;
    private WindowPermutation permutation;

    /**
     * @param source    the token stream, e.g. {@link org.rat4j.data.shard.TokenShards#open}
     * @param seqLen    T, the model's sequence length; windows have T+1 tokens
     * @param batchSize B, windows per batch
     * @param mode      ordered or random
     * @param seed      seed of the random order (unused by ORDERED, but kept in the state)
     */
    public TokenWindowSampler(TokenSource source, int seqLen, int batchSize, SamplingMode mode, long seed) {
        if (seqLen < 1) throw new ConfigException("sequence length must be at least 1, got " + seqLen);
        if (batchSize < 1) throw new ConfigException("batch size must be at least 1, got " + batchSize);
        this.source = source;
        this.seqLen = seqLen;
        this.batchSize = batchSize;
        this.mode = java.util.Objects.requireNonNull(mode, "mode");
        this.seed = seed;
        this.windows = (source.size() - 1) / seqLen;
        if (windows < 1) {
            throw new ConfigException("the token stream has " + source.size() + " tokens, fewer than one window of seq_len + 1 = "
                    + (seqLen + 1) + "; use a shorter sequence length or more data");
        }
    }

    /** {@code [B][T+1]} windows. */
    public int[][] nextWindows() {
        return nextWindows(batchSize);
    }

    /** {@code [count][T+1]} windows. */
    public int[][] nextWindows(int count) {
        int[][] out = new int[count][seqLen + 1];
        for (int b = 0; b < count; b++) {
            source.read(windowIndex(consumed) * seqLen, out[b], 0, seqLen + 1);
            consumed++;
        }
        return out;
    }

    /** The next batch as inputs {@code [B][T]} and targets {@code [B][T]}, targets after EOS set to -100. */
    public TokenBatch nextBatch() {
        return NextTokenTargets.fromWindows(nextWindows(), source.eosId());
    }

    /** Which window the {@code k}-th draw (counting from 0 over all epochs) takes. */
    long windowIndex(long k) {
        long epoch = k / windows;
        long j = k % windows;
        if (mode == SamplingMode.ORDERED) return j;
        if (epoch != permutationEpoch) {
            permutation = new WindowPermutation(windows, WindowPermutation.mix(seed ^ WindowPermutation.mix(epoch + 1)));
            permutationEpoch = epoch;
        }
        return permutation.apply(j);
    }

    /** Moves to the first window of the next epoch, unless already at the start of one. */
    public void skipToNextEpoch() {
        long rem = consumed % windows;
        if (rem != 0) consumed += windows - rem;
    }

    /** A small value that {@link #restore} turns back into this exact position. */
    public SamplerState state() {
        return new SamplerState(mode, seed, seqLen, source.size(), consumed);
    }

    /**
     * Continues from a saved state. The state must come from a sampler over the same token stream, mode and
     * sequence length; the batch size may differ (the position counts windows).
     */
    public void restore(SamplerState s) {
        if (s.mode() != mode || s.seqLen() != seqLen || s.totalTokens() != source.size()) {
            throw new ConfigException("the saved data position (" + s.mode() + ", seq_len " + s.seqLen() + ", " + s.totalTokens()
                    + " tokens) does not fit this data (" + mode + ", seq_len " + seqLen + ", " + source.size()
                    + " tokens); resume with the same shards and settings, or start the data from the beginning");
        }
        if (s.consumed() < 0) throw new ConfigException("a saved data position cannot be negative: " + s.consumed());
        seed = s.seed();
        consumed = s.consumed();
        permutationEpoch = -1;
    }

    /** Windows per epoch, W. */
    public long windowsPerEpoch() {
        return windows;
    }

    /** Whole batches per epoch, {@code floor(W / B)} (at least 1). */
    public long batchesPerEpoch() {
        return Math.max(1, windows / batchSize);
    }

    /** The epoch of the next window (0-based). */
    public long epoch() {
        return consumed / windows;
    }

    /** Windows handed out so far. */
    public long consumed() {
        return consumed;
    }

    public int seqLen() {
        return seqLen;
    }

    public int batchSize() {
        return batchSize;
    }

    public SamplingMode mode() {
        return mode;
    }

    public TokenSource source() {
        return source;
    }
}
