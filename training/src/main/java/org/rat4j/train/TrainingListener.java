package org.rat4j.train;

import org.rat4j.model.RatLanguageModel;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Observes a {@link Trainer} run. Every method has a default that does nothing, so a listener overrides only what it
 * needs. The launcher listens to say what a run was doing when it ran out of memory; tests listen to damage a model
 * before a step, to end a run early as if it had been killed, or to fail a checkpoint write as a full disk would.
 * Listeners run on the training thread, in the order they were added.
 */
public interface TrainingListener {
    /** What a run is busy with, for messages that need to say so (an out-of-memory error, for instance). */
    enum Phase {
        STEP("a training step"),
        VALIDATION("validation"),
        CHECKPOINT("writing a checkpoint"),
        FINAL_MODEL("writing the final model"),
        SAMPLE("generating the sample text");

        private final String description;

        Phase(String description) {
            this.description = description;
        }

        public String description() {
            return description;
        }
    }

    /** The run enters {@code phase} at iteration {@code step} (iterations done so far). */
    default void phase(Phase phase, int step) {
    }

    /** Called before iteration {@code step} (0-based) reads its batches; {@code model} is the model being trained. */
    default void beforeStep(int step, RatLanguageModel model) {
    }

    /**
     * Called after iteration {@code step} (iterations done, from 1) is recorded and checkpointed. Returning false ends the
     * run there as a kill would: the metrics are on disk, but no final model and no sample text are written.
     */
    default boolean continueAfter(int step) {
        return true;
    }

    /** Called before each file of a checkpoint is written; an exception thrown here fails that checkpoint's write. */
    default void beforeCheckpointFile(Path file) throws IOException {
    }
}
