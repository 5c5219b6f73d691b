package org.rat4j.data.iter;

import org.rat4j.config.ConfigException;

/**
 * Epoch bookkeeping shared by the DL4J adapters: an epoch is {@code floor(W/B)} whole batches, and the windows
 * left over at its end are skipped by {@code reset()}, so a batch never spans two epochs.
 */
final class EpochCursor {
    private final TokenWindowSampler sampler;
    /** Windows of the current epoch not yet handed out. */
    private long windowsLeft;

    EpochCursor(TokenWindowSampler sampler) {
        if (sampler.batchSize() > sampler.windowsPerEpoch()) {
            throw new ConfigException("a batch of " + sampler.batchSize() + " windows is more than the " + sampler.windowsPerEpoch()
                    + " windows of seq_len + 1 tokens in the data; use a smaller batch or sequence length, or more data");
        }
        this.sampler = sampler;
        sync();
    }

    /** Recomputes the windows left from the sampler's position (after construction or a restore). */
    void sync() {
        long w = sampler.windowsPerEpoch();
        windowsLeft = w - sampler.consumed() % w;
    }

    /** Whether a whole batch remains in this epoch. */
    boolean hasNext() {
        return windowsLeft >= sampler.batchSize();
    }

    /** Checks that {@code n} windows remain in this epoch, then counts them as taken. */
    void take(int n) {
        if (n < 1 || n > windowsLeft) {
            throw new java.util.NoSuchElementException("asked for " + n + " windows but " + windowsLeft
                    + " remain in this epoch; call reset() for the next one");
        }
        windowsLeft -= n;
    }

    /** Moves to the start of the next epoch (or stays, if at the start of an unread one). */
    void reset() {
        sampler.skipToNextEpoch();
        windowsLeft = sampler.windowsPerEpoch();
    }
}
