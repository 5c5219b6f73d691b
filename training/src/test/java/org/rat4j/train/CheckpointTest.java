package org.rat4j.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.rat4j.config.ConfigException;
import org.rat4j.io.ModelIO;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.train.config.ExperimentConfig;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Atomic checkpoints: a failed or interrupted write never replaces or damages a good one; damage is reported. */
class CheckpointTest {
    /** Stands in for SIGKILL: an Error the checkpoint writer does not clean up after. */
    static final class SimulatedKill extends Error {
        private static final long serialVersionUID = 1L;
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void keepsTheNewestKAndTheRunFolderHoldsItsOutputs(@TempDir Path dir) throws Exception {
        ExperimentConfig cfg = TestRuns.config(TestRuns.rat(), dir, "train.steps=8", "train.checkpoint_every=2", "train.keep_checkpoints=2",
                "train.eval_every=4");
        Trainer.Result r = new Trainer(TestRuns.run(cfg)).progressBar(false).run();
        assertEquals(List.of("step-0000006", "step-0000008"), names(dir.resolve("checkpoints")));
        for (String f : List.of("metrics.csv", "loss.png", "train.log", "config.yaml", "final")) assertTrue(Files.exists(dir.resolve(f)), f);
        for (String f : List.of("config.json", "model.safetensors", "optimizer.safetensors", "trainer.json", "manifest.json")) {
            assertTrue(Files.isRegularFile(dir.resolve("checkpoints/step-0000008").resolve(f)), f);
        }
        // A checkpoint is a model directory: it loads like any other.
        RatLanguageModel m = ModelIO.load(dir.resolve("checkpoints/step-0000008"), DataType.FLOAT);
        RatLanguageModel fin = ModelIO.load(r.finalModel(), DataType.FLOAT);
        assertEquals(m.parameters().get(RatLanguageModel.WTE), fin.parameters().get(RatLanguageModel.WTE));
        List<String> csv = Files.readAllLines(dir.resolve("metrics.csv"));
        assertEquals(MetricsLog.HEADER, csv.get(0));
        assertEquals(9, csv.size());
        assertFalse(csv.get(4).split(",", -1)[8].isEmpty(), "validation loss at step 4");
        byte[] png = Files.readAllBytes(dir.resolve("loss.png"));
        assertEquals((byte) 0x89, png[0]);
        assertEquals('P', png[1]);
    }

    @Test
    void aFullDiskDuringACheckpointKeepsThePreviousOneAndStopsWithAMessage(@TempDir Path dir) throws Exception {
        ExperimentConfig cfg = TestRuns.config(TestRuns.rat(), dir, "train.steps=10", "train.checkpoint_every=5");
        int[] writes = {0};
        Trainer t = new Trainer(TestRuns.run(cfg)).progressBar(false).listen(TestRuns.beforeCheckpointFile(f -> {
            // the first checkpoint (4 hooked writes) succeeds; the second fails writing its trainer state
            if (++writes[0] == 7) throw new IOException("No space left on device");
        }));
        ConfigException e = assertThrows(ConfigException.class, t::run);
        assertTrue(e.getMessage().contains("could not write checkpoint step-0000010"), e.getMessage());
        assertTrue(e.getMessage().contains("disk is full"), e.getMessage());
        assertTrue(e.getMessage().contains("step-0000005"), e.getMessage());
        assertTrue(e.getMessage().contains("--resume"), e.getMessage());
        assertEquals(List.of("step-0000005"), names(dir.resolve("checkpoints")), "no temporary directory is left behind");
        Checkpoints.verify(dir.resolve("checkpoints/step-0000005"));
        assertFalse(Files.exists(dir.resolve("final")));
        // and the run resumes from it
        Trainer.Result r = new Trainer(TestRuns.resume(cfg)).progressBar(false).run();
        assertEquals(10, r.steps());
    }

    @Test
    void aRunKilledMidWriteLeavesOnlyATemporaryDirectoryThatIsIgnoredAndRemoved(@TempDir Path dir) throws Exception {
        ExperimentConfig cfg = TestRuns.config(TestRuns.rat(), dir, "train.steps=10", "train.checkpoint_every=5");
        int[] writes = {0};
        Trainer t = new Trainer(TestRuns.run(cfg)).progressBar(false).listen(TestRuns.beforeCheckpointFile(f -> {
            if (++writes[0] == 8) throw new SimulatedKill();   // the process dies while writing the second manifest
        }));
        assertThrows(SimulatedKill.class, t::run);
        // Simulate a hard kill: the catch block did not run, so put back a half-written temporary directory.
        Path tmp = Files.createDirectories(dir.resolve("checkpoints/.step-0000010.tmp-123"));
        Files.write(tmp.resolve("model.safetensors"), new byte[]{1, 2, 3});
        Checkpoints c = new Checkpoints(dir.resolve("checkpoints"), 3);
        assertEquals(List.of(dir.resolve("checkpoints/step-0000005")), c.list());
        assertEquals(dir.resolve("checkpoints/step-0000005"), c.latestValid().orElseThrow());
        Trainer.Result r = new Trainer(TestRuns.resume(cfg)).progressBar(false).run();
        assertEquals(10, r.steps());
        assertEquals(List.of("step-0000005", "step-0000010"), names(dir.resolve("checkpoints")));
    }

    @Test
    void damagedCheckpointsAreReportedNotLoaded(@TempDir Path dir) throws Exception {
        ExperimentConfig cfg = TestRuns.config(TestRuns.rat(), dir, "train.steps=4", "train.checkpoint_every=2");
        new Trainer(TestRuns.run(cfg)).progressBar(false).run();
        Path newest = dir.resolve("checkpoints/step-0000004");
        Path older = dir.resolve("checkpoints/step-0000002");
        // flip one byte of the weights
        try (RandomAccessFile f = new RandomAccessFile(newest.resolve("model.safetensors").toFile(), "rw")) {
            long pos = f.length() - 10;
            f.seek(pos);
            int b = f.read();
            f.seek(pos);
            f.write(b ^ 0x55);
        }
        ConfigException e = assertThrows(ConfigException.class, () -> Checkpoints.load(newest, DataType.FLOAT));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
        // resuming a run folder skips to the newest checkpoint that verifies
        assertEquals(older, new Checkpoints(dir.resolve("checkpoints"), 3).latestValid().orElseThrow());
        // truncated file
        Files.write(older.resolve("optimizer.safetensors"), new byte[]{0, 1});
        e = assertThrows(ConfigException.class, () -> Checkpoints.verify(older));
        assertTrue(e.getMessage().contains("bytes but its manifest says"), e.getMessage());
        // missing manifest: an unfinished checkpoint
        Files.delete(newest.resolve(Checkpoints.MANIFEST));
        e = assertThrows(ConfigException.class, () -> Checkpoints.verify(newest));
        assertTrue(e.getMessage().contains("incomplete"), e.getMessage());
        // missing folder
        e = assertThrows(ConfigException.class, () -> Checkpoints.verify(dir.resolve("checkpoints/step-0000099")));
        assertTrue(e.getMessage().startsWith("checkpoint not found"), e.getMessage());
    }

    /** Rewrites the manifest of {@code ckpt} after {@code edit} changed its parsed tree. */
    @SuppressWarnings("unchecked")
    static void editManifest(Path ckpt, java.util.function.Consumer<Map<String, Object>> edit) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Map<String, Object> m = json.readValue(ckpt.resolve(Checkpoints.MANIFEST).toFile(), Map.class);
        edit.accept(m);
        json.writeValue(ckpt.resolve(Checkpoints.MANIFEST).toFile(), m);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> files(Map<String, Object> manifest) {
        return (Map<String, Object>) manifest.get("files");
    }

    static String refusal(Path ckpt) {
        ConfigException e = assertThrows(ConfigException.class, () -> Checkpoints.verify(ckpt));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void manifestsNameOnlyPlainFilesInsideTheCheckpoint(@TempDir Path dir) throws Exception {
        Path ckpt = TestRuns.checkpoint(dir.resolve("checkpoints"));
        Checkpoints.verify(ckpt);
        // A file outside the checkpoint whose size and hash the manifest states truthfully: still never opened.
        Path outside = Files.writeString(dir.resolve("secret"), "root:x:0:0");
        Map<String, Object> truthful = Map.of("bytes", Files.size(outside), "sha256", Checkpoints.sha256(outside));
        for (String name : List.of("../../secret", "../secret", "/etc/passwd", outside.toString(), "sub/config.json", "..", ".", "",
                "a\\b")) {
            editManifest(ckpt, m -> files(m).put(name, truthful));
            String message = refusal(ckpt);
            assertTrue(message.contains("lists " + ConfigException.quote(name) + ", which is not a plain file name inside the checkpoint"),
                    message);
            editManifest(ckpt, m -> files(m).remove(name));
        }
        Checkpoints.verify(ckpt);
        // Every checkpoint file must be listed: a manifest cannot vouch for less than what loading reads.
        editManifest(ckpt, m -> files(m).remove(Checkpoints.OPTIMIZER));
        assertTrue(refusal(ckpt).contains("does not list optimizer.safetensors"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void malformedManifestsAreRefusedWithOneLine(@TempDir Path dir) throws Exception {
        Path ckpt = TestRuns.checkpoint(dir.resolve("checkpoints"));
        Path manifest = ckpt.resolve(Checkpoints.MANIFEST);
        String good = Files.readString(manifest);
        for (String bad : List.of("null", "[1]", "{\"format\": \"rat4j-checkpoint\", \"files\": [1]}", "{\"files\": {}}")) {
            Files.writeString(manifest, bad);
            assertTrue(refusal(ckpt).contains("is not a rat4j checkpoint manifest"), bad);
        }
        Files.writeString(manifest, "{\n\"format\": ");
        assertTrue(refusal(ckpt).contains("has an unreadable manifest.json"));
        Files.writeString(manifest, good);
        editManifest(ckpt, m -> files(m).put(ModelIO.CONFIG, "12"));
        assertTrue(refusal(ckpt).contains("entry 'config.json' is not {\"bytes\": N, \"sha256\": \"...\"}"));
        Files.writeString(manifest, good);
        editManifest(ckpt, m -> ((Map<String, Object>) files(m).get(ModelIO.CONFIG)).put("bytes", "12"));
        assertTrue(refusal(ckpt).contains("entry 'config.json' is not"));
        Files.writeString(manifest, good);
        editManifest(ckpt, m -> ((Map<String, Object>) files(m).get(ModelIO.CONFIG)).put("bytes", 12.5));
        assertTrue(refusal(ckpt).contains("bytes but its manifest says 12.5"));
        // A checkpoint file replaced by a link to an identical file outside is not a file inside the checkpoint.
        Files.writeString(manifest, good);
        Path copy = Files.copy(ckpt.resolve(Checkpoints.STATE), dir.resolve("trainer-copy.json"));
        Files.delete(ckpt.resolve(Checkpoints.STATE));
        Files.createSymbolicLink(ckpt.resolve(Checkpoints.STATE), copy);
        assertTrue(refusal(ckpt).contains("is missing trainer.json (or it is not a regular file)"));
    }

    @Test
    void aLoadedModelSeesInPlaceUpdatesOfItsParameters(@TempDir Path dir) throws Exception {
        ExperimentConfig cfg = TestRuns.config(TestRuns.rat(), dir);
        RatLanguageModel m = RatLanguageModel.initialize(cfg.resolveModel(null), 1, DataType.FLOAT);
        ModelIO.save(m, dir.resolve("m"));
        org.rat4j.model.TokenBatch b = org.rat4j.model.TokenBatch.fromWindows(new int[][]{TestRuns.tokens(TestRuns.SEQ + 1, 3)});
        // ModelIO.load gives view arrays that a SameDiff graph copies; Checkpoints.trainable makes them live again.
        RatLanguageModel loaded = Checkpoints.trainable(ModelIO.load(dir.resolve("m"), DataType.FLOAT));
        double before = loaded.loss(b);
        loaded.parameters().get("backbone.layers.1.hidden_layer.fc2.weight").muli(3);
        assertNotEquals(before, loaded.loss(b), 1e-6, "the graph reads the updated array");
    }

    @Test
    void resumingWithAnotherModelConfigIsRefused(@TempDir Path dir) throws Exception {
        ExperimentConfig cfg = TestRuns.config(TestRuns.rat(), dir, "train.steps=2", "train.checkpoint_every=1");
        new Trainer(TestRuns.run(cfg)).progressBar(false).listen(TestRuns.stopAfter(1)).run();
        ExperimentConfig other = TestRuns.config(TestRuns.rat(), dir, "train.steps=2", "model.d_model=32");
        Path ck = new Checkpoints(dir.resolve("checkpoints"), 1).latestValid().orElseThrow();
        ConfigException e = assertThrows(ConfigException.class, () -> TrainingSetup.prepare(other, ck, false));
        assertTrue(e.getMessage().contains("does not match"), e.getMessage());
        assertTrue(e.getMessage().contains("model.d_model: config 32.0, checkpoint 16.0"), e.getMessage());
    }

    @Test
    void aNewRunRefusesAFolderThatHoldsOne(@TempDir Path dir) throws Exception {
        ExperimentConfig cfg = TestRuns.config(TestRuns.rat(), dir, "train.steps=1");
        new Trainer(TestRuns.run(cfg)).progressBar(false).run();
        ConfigException e = assertThrows(ConfigException.class, () -> TrainingSetup.prepare(cfg, null, false));
        assertTrue(e.getMessage().contains("already holds a run"), e.getMessage());
        assertTrue(e.getMessage().contains("--resume"), e.getMessage());
    }
}
