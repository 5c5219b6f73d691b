package org.rat4j.launcher;

import org.junit.jupiter.api.Test;
import org.rat4j.train.TrainingListener.Phase;

import static org.junit.jupiter.api.Assertions.*;

/** Out of memory is reported with what the command was doing and the setting that helps, not one advice for all. */
class OutOfMemoryAdviceTest {
    private static final OutOfMemoryError HEAP = new OutOfMemoryError("Java heap space");

    @Test
    void trainingNamesTheStepAndTheMicroBatch() {
        TrainCommand.ReportActivity report = new TrainCommand.ReportActivity(4, 128);
        report.phase(Phase.STEP, 11);
        assertEquals("rat4j train: out of memory while training step 12 (micro-batches of 4 × 128 tokens) (Java heap space); "
                + "lower train.micro_batch (train.batch_size stays the same, by gradient accumulation) or model.seq_len, or give "
                + "Java more memory (RAT4J_JAVA_OPTS=-Xmx16g ./rat4j ...; ND4J's arrays may take 4 × -Xmx)",
                Activity.outOfMemory("train", HEAP));
        report.phase(Phase.CHECKPOINT, 100);
        assertTrue(Activity.outOfMemory("train", HEAP).startsWith("rat4j train: out of memory while writing a checkpoint after "
                + "step 100 (Java heap space); give Java more memory"), Activity.outOfMemory("train", HEAP));
        report.phase(Phase.SAMPLE, 600);
        assertTrue(Activity.outOfMemory("train", HEAP).contains("lower generate.max_new_tokens"));
    }

    @Test
    void aCommandThatSaysNothingGetsNoBatchAdvice() {
        Activity.set("training step 1", "lower train.micro_batch");
        // Every command starts with a clean slate; a command that sets nothing gets the heap advice only.
        Rat4j.run(new String[]{"env", "--help"});
        String line = Activity.outOfMemory("score", new OutOfMemoryError());
        assertEquals("rat4j score: out of memory; give Java more memory (RAT4J_JAVA_OPTS=-Xmx16g ./rat4j ...; ND4J's arrays "
                + "may take 4 × -Xmx)", line);
        assertFalse(line.contains("batch"));
    }
}
