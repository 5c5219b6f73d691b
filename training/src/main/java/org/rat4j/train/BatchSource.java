package org.rat4j.train;

import org.rat4j.model.TokenBatch;

/**
 * Training micro-batches in a reproducible order whose position can be saved with a checkpoint and restored, so a
 * resumed run sees exactly the batches an uninterrupted run would have seen.
 */
public interface BatchSource {
    /** The next micro-batch {@code [B][T]}. */
    TokenBatch next();

    /** The position as a small JSON value. */
    String state();

    /** Continues from a position returned by {@link #state()}. */
    void restore(String state);

    /** Sequences per micro-batch. */
    int batchSize();

    /** Tokens per sequence T. */
    int seqLen();

    /** A short description for the log. */
    String describe();
}
