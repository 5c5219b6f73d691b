package org.rat4j.launcher;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rat4j.data.tokenizer.Tokenizers;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code rat4j train} end to end on the built-in corpus and the LLaMA-2 tokenizer (skipped without
 * scripts/fetch-data.sh), with the tiny-rat config shrunk to seconds by overrides.
 */
class TrainCommandTest {
    static final Path SHARDS = Path.of("target/test-shards").toAbsolutePath();

    @BeforeAll
    static void needsData() {
        assumeTrue(Tokenizers.defaultAvailable(), "the built-in data is not set up (scripts/fetch-data.sh)");
    }

    static String[] small(Path run, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--config", "../configs/experiment/tiny-rat.yaml", "--no-progress",
                "model.d_model=32", "model.n_layers=1", "model.seq_len=32", "train.steps=4", "train.batch_size=2",
                "train.micro_batch=2", "train.checkpoint_every=2", "train.eval_every=2", "train.eval_batches=2",
                "generate.max_new_tokens=4", "train.run_dir=" + run, "data.shard_dir=" + SHARDS));
        a.addAll(Arrays.asList(more));
        return a.toArray(new String[0]);
    }

    /** Runs a command line; returns exit code and standard error. */
    static Object[] rat4j(String... args) {
        PrintStream err = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true));
        try {
            int code = Rat4j.run(args);
            return new Object[]{code, buf.toString()};
        } finally {
            System.setErr(err);
        }
    }

    @Test
    void trainsResumesAndTheModelGenerates(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        assertEquals(0, rat4j(small(run))[0]);
        for (String f : List.of("metrics.csv", "loss.png", "train.log", "samples.txt", "config.yaml", "final/config.json",
                "final/model.safetensors", "checkpoints/step-0000004/manifest.json")) {
            assertTrue(Files.exists(run.resolve(f)), f);
        }
        assertTrue(Files.readString(run.resolve("samples.txt")).contains("It is a truth universally acknowledged"));
        assertTrue(Files.readString(run.resolve("train.log")).contains("validation loss"));

        // Continue the finished run for two more steps from its stored config.
        Object[] r = rat4j("train", "--resume", run.toString(), "train.steps=6", "--no-progress");
        assertEquals(0, r[0], (String) r[1]);
        assertTrue(Files.exists(run.resolve("checkpoints/step-0000006")));
        assertEquals(7, Files.readAllLines(run.resolve("metrics.csv")).size());

        r = rat4j("generate", "--model", run.resolve("final").toString(), "--tokens", "1,450,338", "--max-new", "3");
        assertEquals(0, r[0], (String) r[1]);
        r = rat4j("score", "--model", run.resolve("checkpoints/step-0000006").toString(), "--tokens", "1,450,338",
                "--out", dir.resolve("l.npy").toString());
        assertEquals(0, r[0], (String) r[1]);
    }

    static void assertError(String want, String... args) {
        String[] full = args;
        if (!args[0].equals("train")) {
            full = new String[args.length + 1];
            full[0] = "train";
            System.arraycopy(args, 0, full, 1, args.length);
        }
        Object[] r = rat4j(full);
        assertEquals(2, r[0], (String) r[1]);
        assertTrue(((String) r[1]).contains(want), "expected '" + want + "' in: " + r[1]);
        assertFalse(((String) r[1]).contains("\tat "), "no stack trace: " + r[1]);
    }

    @Test
    void badInputIsAOneLineError(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        assertError("did you mean 'model.backbone.seq_cell.chunk_size'", small(run, "model.backbone.seq_cell.chunk_sise=8"));
        assertError("has 32000 ids but the model has vocab_size 1000", small(run, "model.vocab_size=1000"));
        assertError("config file not found: nope.yaml", "--config", "nope.yaml");
        assertError("nothing to resume", "--resume", dir.resolve("missing").toString());
        assertError("train.init_from: " + dir.resolve("none") + " does not exist", small(run, "train.init_from=" + dir.resolve("none")));
        // a run, then a resume whose config describes another model
        assertEquals(0, rat4j(small(run, "train.steps=2"))[0]);
        List<String> a = new ArrayList<>(Arrays.asList(small(run, "train.steps=4", "model.d_model=64")));
        a.add("--resume");
        assertError("does not match", a.toArray(new String[0]));
        assertError("already holds a run", small(run));
        // a damaged newest checkpoint is skipped on resume; an explicitly named one is refused
        Path ck = run.resolve("checkpoints/step-0000002");
        Files.write(ck.resolve("optimizer.safetensors"), new byte[]{1, 2, 3});
        assertError("bytes but its manifest says", "--resume", ck.toString());
    }
}
