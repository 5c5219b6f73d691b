package org.rat4j.launcher;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.data.tokenizer.Tokenizers;
import org.rat4j.io.ModelIO;
import org.rat4j.train.Checkpoints;
import org.rat4j.train.RunLock;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Two {@code rat4j train} with one {@code train.run_dir} both exited 0, the second overwriting the first's checkpoints,
 * metrics and {@code final/}. Now the second is refused with the first's pid; once the first is killed its lock is
 * stale, and {@code --resume} takes the folder over and writes the {@code final/} the kill prevented.
 */
class ConcurrentTrainTest {
    @BeforeAll
    static void needsData() {
        assumeTrue(Tokenizers.defaultAvailable(), "the built-in data is not set up (scripts/fetch-data.sh)");
    }

    @Test
    void aSecondRunInTheFolderIsRefusedWithThePidOfTheFirst(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        String[] args = TrainCommandTest.small(run, "train.steps=100000", "train.eval_every=0", "generate.prompt=");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Rat4j.class.getName()));
        cmd.addAll(List.of(args));
        Process first = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("first.log").toFile()).start();
        try {
            Path checkpoint = run.resolve("checkpoints/step-0000002/" + Checkpoints.MANIFEST);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (!Files.exists(checkpoint) && first.isAlive() && System.nanoTime() < deadline) Thread.sleep(20);
            assertTrue(first.isAlive(), "the first run ended:\n" + Files.readString(dir.resolve("first.log")));

            String busy = "is in use by another training run (pid " + first.pid() + ",";
            Object[] r = TrainCommandTest.rat4j(args);
            assertEquals(2, r[0], (String) r[1]);
            assertTrue(((String) r[1]).contains(busy), (String) r[1]);
            assertEquals(1, ((String) r[1]).strip().lines().count(), "one line: " + r[1]);
            r = TrainCommandTest.rat4j("train", "--resume", run.toString(), "--no-progress");
            assertEquals(2, r[0], (String) r[1]);
            assertTrue(((String) r[1]).contains(busy), (String) r[1]);
        } finally {
            first.destroyForcibly();                                  // SIGKILL: no finally blocks, no lock release
            assertTrue(first.waitFor(1, TimeUnit.MINUTES));
        }
        assertTrue(Files.readString(run.resolve(RunLock.FILE)).contains("pid " + first.pid()), "the stale lock file stays");
        assertFalse(Files.exists(run.resolve("final")));

        // Ask the killed run to end at its newest checkpoint: its steps are done and final/ is missing, so the resume
        // writes final/ from the checkpoint (what a kill while writing final/ needs too).
        Path last = new Checkpoints(run.resolve("checkpoints"), 1).latestValid().orElseThrow();
        Object[] r = TrainCommandTest.rat4j("train", "--resume", run.toString(), "--no-progress",
                "train.steps=" + Integer.parseInt(last.getFileName().toString().substring("step-".length())));
        assertEquals(0, r[0], (String) r[1]);
        Map<String, INDArray> written = ModelIO.load(run.resolve("final"), DataType.FLOAT).parameters();
        Map<String, INDArray> saved = ModelIO.load(last, DataType.FLOAT).parameters();
        assertEquals(saved.keySet(), written.keySet());
        for (String k : saved.keySet()) assertEquals(saved.get(k), written.get(k), k);
        assertTrue(Files.readString(run.resolve(RunLock.FILE)).startsWith("pid " + ProcessHandle.current().pid() + "\n"));
        try (var s = Files.list(run)) {
            assertEquals(List.of(), s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList(),
                    "no temporary file of the killed run is left");
        }
    }
}
