package org.rat4j.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.cli.LogCapture;
import org.rat4j.config.ConfigException;
import org.rat4j.io.ModelIO;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.train.config.ExperimentConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * No silent loss and no dead ends (issue 14): a checkpoint without a manifest is reported and kept; a run killed while
 * writing {@code final/} finishes with a resume; a blow-up names a checkpoint that resumes cleanly; a damaged
 * {@code metrics.csv} is one warning.
 */
class RunRecoveryTest {
    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void assertSameWeights(Path a, Path b) throws IOException {
        RatLanguageModel x = ModelIO.load(a, DataType.FLOAT);
        RatLanguageModel y = ModelIO.load(b, DataType.FLOAT);
        for (String k : x.parameters().keySet()) assertEquals(x.parameters().get(k), y.parameters().get(k), k);
    }

    @Test
    void aCheckpointWithoutItsManifestIsLoggedAndKeptNotOverwritten(@TempDir Path dir) throws Exception {
        ExperimentConfig cfg = TestRuns.config(TestRuns.rat(), dir, "train.steps=6", "train.checkpoint_every=2");
        new Trainer(TestRuns.run(cfg)).progressBar(false).listen(TestRuns.stopAfter(6)).run();
        Path six = dir.resolve("checkpoints/step-0000006");
        Files.delete(six.resolve(Checkpoints.MANIFEST));
        byte[] weights = Files.readAllBytes(six.resolve(ModelIO.WEIGHTS));

        try (LogCapture log = new LogCapture()) {
            Path resumed = new Checkpoints(dir.resolve("checkpoints"), 3).latestValid().orElseThrow();
            assertEquals("step-0000004", resumed.getFileName().toString());
            List<String> skipped = log.containing("step-0000006");
            assertEquals(1, skipped.size(), skipped.toString());
            assertTrue(skipped.get(0).startsWith("WARN skipping damaged checkpoint"), skipped.get(0));
            assertTrue(skipped.get(0).contains("no manifest.json"), skipped.get(0));

            Trainer.Result r = new Trainer(TestRuns.resume(cfg)).progressBar(false).run();
            assertEquals(6, r.steps());
            assertEquals(1, log.containing("skipping checkpoint " + six + ": it has no manifest.json").size(),
                    "the run reports it when it starts");
            List<String> kept = log.containing("kept it as step-0000006.damaged");
            assertEquals(1, kept.size(), "and when it writes a checkpoint of that step");
        }
        assertEquals(List.of("step-0000002", "step-0000004", "step-0000006", "step-0000006.damaged"), names(dir.resolve("checkpoints")));
        Checkpoints.verify(six);
        assertArrayEquals(weights, Files.readAllBytes(dir.resolve("checkpoints/step-0000006.damaged").resolve(ModelIO.WEIGHTS)));
    }

    @Test
    void aRunKilledWhileWritingFinalFinishesOnResume(@TempDir Path dir) throws Exception {
        ExperimentConfig cfg = TestRuns.config(TestRuns.rat(), dir, "train.steps=4", "train.checkpoint_every=2");
        new Trainer(TestRuns.run(cfg)).progressBar(false).run();
        Path fin = dir.resolve(Trainer.FINAL_DIR);
        Path last = dir.resolve("checkpoints/step-0000004");
        // A complete final/: nothing to do, as before.
        ConfigException done = assertThrows(ConfigException.class, () -> new Trainer(TestRuns.resume(cfg)).progressBar(false).run());
        assertTrue(done.getMessage().contains("already train.steps = 4"), done.getMessage());

        // Killed while final/ was written: no final/, a temporary folder and a half-written temporary file left.
        Checkpoints.deleteTree(fin);
        Files.createDirectories(dir.resolve(".final.tmp-42")).resolve(ModelIO.WEIGHTS).toFile().createNewFile();
        Files.writeString(dir.resolve(".metrics.csv.123.tmp"), "step,tok");
        Trainer.Result r = new Trainer(TestRuns.resume(cfg)).progressBar(false).run();
        assertEquals(4, r.steps());
        assertEquals(fin, r.finalModel());
        assertSameWeights(last, fin);
        assertFalse(Files.exists(dir.resolve(".final.tmp-42")), "stale temporary folder removed");
        assertFalse(Files.exists(dir.resolve(".metrics.csv.123.tmp")), "stale temporary file removed");
        assertEquals(5, Files.readAllLines(dir.resolve(MetricsLog.FILE)).size(), "the metrics are untouched");

        // A damaged final/ (truncated weights) is written again too.
        Path w = fin.resolve(ModelIO.WEIGHTS);
        Files.write(w, Arrays.copyOf(Files.readAllBytes(w), 100));
        assertFalse(Trainer.holds(fin, Checkpoints.load(last, DataType.FLOAT).model()));
        new Trainer(TestRuns.resume(cfg)).progressBar(false).run();
        assertSameWeights(last, fin);
    }

    @Test
    void aFinalOfAnotherStepIsNotReplacedFromAnOlderCheckpoint(@TempDir Path dir) throws Exception {
        ExperimentConfig cfg = TestRuns.config(TestRuns.rat(), dir, "train.steps=4", "train.checkpoint_every=2");
        new Trainer(TestRuns.run(cfg)).progressBar(false).run();
        // Resuming step 2 with train.steps=2: final/ holds step 4's model, which must not be replaced by step 2's.
        ExperimentConfig two = TestRuns.config(TestRuns.rat(), dir, "train.steps=2", "train.checkpoint_every=2");
        Checkpoints.Loaded older = Checkpoints.load(dir.resolve("checkpoints/step-0000002"), DataType.FLOAT);
        ConfigException e = assertThrows(ConfigException.class,
                () -> new Trainer(TestRuns.run(two, older.model(), older)).progressBar(false).run());
        assertTrue(e.getMessage().contains("already train.steps = 2"), e.getMessage());
        assertSameWeights(dir.resolve("checkpoints/step-0000004"), dir.resolve(Trainer.FINAL_DIR));
    }

    @Test
    void aBlowUpNamesTheLastCheckpointWithSaneWeightsAndItResumesAtALowerRate(@TempDir Path dir) throws Exception {
        // Four sane steps, then lr 1e6 from a resume (with lr 1e6 from the start nothing is ever saved).
        ExperimentConfig sane = TestRuns.config(TestRuns.rat(), dir, "train.steps=4", "train.checkpoint_every=2");
        new Trainer(TestRuns.run(sane)).progressBar(false).run();
        ExperimentConfig hot = TestRuns.config(TestRuns.rat(), dir, "train.steps=14", "train.checkpoint_every=1", "optim.lr=1e6");
        Trainer.DivergedException e = assertThrows(Trainer.DivergedException.class,
                () -> new Trainer(TestRuns.resume(hot)).progressBar(false).run());
        // Before the weights were checked, step 5's blown-up weights (max |w| 875,378) were checkpointed, the loss of step 6
        // was still finite (7.30), NaN came at step 7 and the message named step-0000006 (max |w| 6.9e10).
        assertTrue(e.getMessage().startsWith("the weights blew up at step 5 (lr 8.74e+05): one update took their norm from "),
                e.getMessage());
        Path named = dir.resolve("checkpoints/step-0000004");
        assertTrue(e.getMessage().contains("The last good checkpoint is " + named), e.getMessage());
        assertEquals(List.of("step-0000002", "step-0000004"), names(dir.resolve("checkpoints")), "nothing blown up was saved");
        assertEquals(4, Files.readAllLines(dir.resolve(MetricsLog.FILE)).size() - 1, "no row for the failed step");

        ExperimentConfig cool = TestRuns.config(TestRuns.rat(), dir, "train.steps=14", "train.checkpoint_every=5", "optim.lr=1e-3");
        Checkpoints.Loaded ck = Checkpoints.load(named, DataType.FLOAT);
        Trainer.Result r = new Trainer(TestRuns.run(cool, ck.model(), ck)).progressBar(false).run();
        assertEquals(14, r.steps());
        assertTrue(Double.isFinite(r.lastLoss()) && r.lastLoss() < Math.log(TestRuns.VOCAB), "loss " + r.lastLoss());
        for (INDArray a : ModelIO.load(r.finalModel(), DataType.FLOAT).parameters().values()) {
            assertTrue(a.amaxNumber().doubleValue() < 2.0, "weights stay of the initial order");
        }
    }

    @Test
    void aMetricsFileThatIsNotUtf8IsOneWarningAndKeptAside(@TempDir Path dir) throws Exception {
        ExperimentConfig cfg = TestRuns.config(TestRuns.rat(), dir, "train.steps=4", "train.checkpoint_every=2");
        new Trainer(TestRuns.run(cfg)).progressBar(false).listen(TestRuns.stopAfter(2)).run();
        Path csv = dir.resolve(MetricsLog.FILE);
        List<String> lines = Files.readAllLines(csv);
        byte[] bad = (lines.get(0) + "\n" + lines.get(1) + "\n").getBytes();
        byte[] latin1 = "2,128,0.5,\u00e9\u00e8,,,,,,,\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        byte[] all = Arrays.copyOf(bad, bad.length + latin1.length);
        System.arraycopy(latin1, 0, all, bad.length, latin1.length);
        Files.write(csv, all);
        try (LogCapture log = new LogCapture()) {
            // A reader (rat4j compare, a model card) skips the line and writes nothing into a folder it does not own.
            MetricsLog reader = new MetricsLog(dir);
            reader.loadUpTo(Integer.MAX_VALUE);
            assertEquals(1, reader.rows().size());
            assertEquals(1, log.containing("are skipped").size(), log.containing("not rows of numbers").toString());
            assertFalse(Files.exists(dir.resolve("metrics.csv.damaged")));
        }
        try (LogCapture log = new LogCapture()) {
            Trainer.Result r = new Trainer(TestRuns.resume(cfg)).progressBar(false).run();
            assertEquals(4, r.steps());
            List<String> warned = log.containing("not rows of numbers");
            assertEquals(1, warned.size(), warned.toString());
            assertTrue(warned.get(0).contains("1 line(s)") && warned.get(0).contains("metrics.csv.damaged"), warned.get(0));
        }
        assertArrayEquals(all, Files.readAllBytes(dir.resolve("metrics.csv.damaged")));
        List<String> now = Files.readAllLines(csv);
        assertEquals(List.of("1", "3", "4"), now.subList(1, now.size()).stream().map(l -> l.split(",")[0]).toList(),
                "row 1 kept, the damaged row 2 dropped (a gap), rows 3-4 trained again");
    }
}
