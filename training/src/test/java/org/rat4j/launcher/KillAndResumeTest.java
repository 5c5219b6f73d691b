package org.rat4j.launcher;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rat4j.data.tokenizer.Tokenizers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A real {@code kill -9}: {@code rat4j train} runs in a child JVM and is killed right after its second checkpoint
 * appears (so usually in the middle of the next steps or the next checkpoint write); {@code --resume} then finishes
 * the run, and its per-step loss curve equals an uninterrupted run's.
 */
class KillAndResumeTest {
    private static final int STEPS = 24;

    @BeforeAll
    static void needsData() {
        assumeTrue(Tokenizers.defaultAvailable(), "the built-in data is not set up (scripts/fetch-data.sh)");
    }

    private static String[] config(Path run) {
        return TrainCommandTest.small(run, "train.steps=" + STEPS, "train.checkpoint_every=4", "train.eval_every=0",
                "train.keep_checkpoints=2", "generate.prompt=");
    }

    @Test
    void aRunKilledWithSigkillResumesOntoTheSameLossCurve(@TempDir Path dir) throws Exception {
        Path killed = dir.resolve("killed");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Rat4j.class.getName()));
        cmd.addAll(List.of(config(killed)));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("child.log").toFile()).start();
        Path second = killed.resolve("checkpoints/step-0000008");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!Files.exists(second) && child.isAlive() && System.nanoTime() < deadline) Thread.sleep(10);
        assertTrue(child.isAlive(), "the child ended before it could be killed:\n" + Files.readString(dir.resolve("child.log")));
        child.destroyForcibly();                                  // SIGKILL on Linux: no shutdown hooks, no finally blocks
        child.waitFor();
        assertFalse(Files.exists(killed.resolve("final")), "killed before the end");

        Object[] r = TrainCommandTest.rat4j("train", "--resume", killed.toString(), "--no-progress");
        assertEquals(0, r[0], (String) r[1]);
        Path whole = dir.resolve("whole");
        r = TrainCommandTest.rat4j(config(whole));
        assertEquals(0, r[0], (String) r[1]);

        List<String> a = Files.readAllLines(whole.resolve("metrics.csv"));
        List<String> b = Files.readAllLines(killed.resolve("metrics.csv"));
        assertEquals(STEPS + 1, a.size());
        assertEquals(STEPS + 1, b.size(), "one row per step after the resume too");
        for (int i = 1; i <= STEPS; i++) {
            String[] x = a.get(i).split(",");
            String[] y = b.get(i).split(",");
            assertEquals(x[0], y[0]);
            assertEquals(Double.parseDouble(x[3]), Double.parseDouble(y[3]), 1e-6, "loss at step " + i);
        }
    }
}
