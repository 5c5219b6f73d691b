package org.rat4j.decode;

/**
 * Sees generation as it happens: every new token of every sequence exactly once, in order, then how the sequence
 * ended; and the end of each decode step. Use it to stream text, show progress or stop early through a
 * {@link StopCondition}. Calls come from the thread that runs {@link Generator#generate}.
 */
public interface TokenListener {
    /** A listener that ignores everything. */
    TokenListener NONE = (sequence, token) -> { };

    /** Sequence {@code sequence} (its index in the prompts) generated {@code token}. */
    void onToken(int sequence, int token);

    /** Sequence {@code sequence} ended; called once per sequence, after its last {@link #onToken}. */
    default void onFinish(int sequence, FinishReason reason) {
    }

    /** Decode step {@code step} (1-based: tokens per running sequence so far) is complete. */
    default void onStep(int step) {
    }
}
