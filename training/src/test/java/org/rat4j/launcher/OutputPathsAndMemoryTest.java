package org.rat4j.launcher;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rat4j.cli.Console;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 14, "Why" items 6 and 8 at the command line: output paths with a file in the way, and requests larger than
 * memory, are one-line errors (exit code 2) before anything is allocated or written; they were stack traces, or a
 * JVM crash.
 */
class OutputPathsAndMemoryTest {
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream oldErr;

    @BeforeEach
    void capture() {
        Console.redirect(new PrintStream(new ByteArrayOutputStream(), true));
        oldErr = System.err;
        System.setErr(new PrintStream(err, true));
    }

    @AfterEach
    void restore() {
        Console.redirect(System.out);
        System.setErr(oldErr);
    }

    /** The last line of standard error after a run that must exit with code 2, checked to hold no stack trace. */
    private String refusal(String... args) {
        err.reset();
        assertEquals(2, Rat4j.run(args), err.toString());
        assertFalse(err.toString().contains("\tat "), err.toString());
        String[] lines = err.toString().strip().split("\n");
        return lines[lines.length - 1];
    }

    @Test
    void aFileInTheWayOfAnOutputIsOneLine(@TempDir Path dir) throws Exception {
        // a GPT-2 model (its tokenizer ships in a jar), so that generate gets as far as its --out
        Path cfg = Files.writeString(dir.resolve("gpt2.yaml"), "model:\n  vocab_size: 50257\n  eos_token_id: 50256\n  d_model: 16\n"
                + "  n_layers: 1\n  num_heads: 2\n  seq_len: 32\n  backbone:\n    seq_cell: {type: rat, chunk_size: 4}\n");
        Path model = dir.resolve("model");
        assertEquals(0, Rat4j.run(new String[]{"init", "--config", cfg.toString(), "--out", model.toString(), "--tokenizer", "gpt2"}));
        Path file = Files.writeString(dir.resolve("taken"), "x");

        assertEquals("rat4j init: error: the model directory " + file + " is a file, not a directory; give another path",
                refusal("init", "--config", cfg.toString(), "--out", file.toString(), "--tokenizer", "gpt2"));
        assertEquals("rat4j score: error: --out " + file.resolve("l.npy") + ": the folder " + file + " is a file, not a directory; "
                + "give another path", refusal("score", "--model", model.toString(), "--tokens", "1,2", "--out", file.resolve("l.npy").toString()));
        assertEquals("rat4j generate: error: --out " + file.resolve("g.jsonl") + ": the folder " + file + " is a file, not a directory; "
                + "give another path", refusal("generate", "--model", model.toString(), "--prompt", "x",
                "--out", file.resolve("g.jsonl").toString()));
        assertEquals("x", Files.readString(file));
    }

    @Test
    void compareOfRunsWithoutStepsOrIntoAFolderIsOneLine(@TempDir Path dir) throws Exception {
        Path run = Files.createDirectories(dir.resolve("run"));
        Files.writeString(run.resolve(org.rat4j.train.MetricsLog.FILE), org.rat4j.train.MetricsLog.HEADER + "\n");
        // was an IllegalArgumentException from the chart ("none of the runs has metrics to draw") with a stack trace
        assertEquals("rat4j compare: error: no step in the metrics.csv of " + run + ": nothing to draw; give folders of runs that "
                + "trained at least one step", refusal("compare", run.toString(), "--out", dir.resolve("c.png").toString()));
        assertEquals("rat4j compare: error: --out " + dir + " is a directory; give a file name",
                refusal("compare", run.toString(), "--out", dir.toString()));
    }

    @Test
    void memoryBeyondTheMachineIsRefusedBeforeAllocation(@TempDir Path dir) throws Exception {
        // vocab_size 10^8 and d_model 4096: 1.5 TiB of parameters (the 10^8 × 64 was a SIGSEGV in init)
        Path huge = Files.writeString(dir.resolve("huge.yaml"), "model:\n  vocab_size: 100000000\n  d_model: 4096\n  n_layers: 2\n"
                + "  num_heads: 32\n  seq_len: 64\n  backbone:\n    seq_cell: {type: rat, chunk_size: 16, ngroups: 1}\n");
        String line = refusal("init", "--config", huge.toString(), "--out", dir.resolve("m").toString(), "--tokenizer", "none");
        // init checks before the model is made (train.MemoryCheck, whose advice names the embedding); library code
        // that makes a model directly meets the same limit in RatLanguageModel.initialize (model.MemoryBudget).
        assertTrue(line.startsWith("rat4j init: error: the model has 410,004,779,008 parameters, 1527.4 GiB in float; holding it"
                + " needs at least 1527.4 GiB (its weights)"), line);
        assertTrue(line.endsWith("lower model.vocab_size (100,000,000; the embedding is 1525.9 GiB of it) or model.d_model"), line);
        assertFalse(Files.exists(dir.resolve("m")));

        Path cfg = CoreCommandsTest.config(dir, "      type: attention\n");
        Path model = dir.resolve("model");
        assertEquals(0, Rat4j.run(new String[]{"init", "--config", cfg.toString(), "--out", model.toString(), "--tokenizer", "none"}));
        line = refusal("generate", "--model", model.toString(), "--tokens", "1,2", "--max-new", "2000000000");
        assertTrue(line.startsWith("rat4j generate: error: the decode cache of 1 sequence(s) of up to 2,000,000,002 tokens needs "), line);
        assertTrue(line.contains("the JVM heap") && line.endsWith("generate fewer tokens (--max-new) or fewer sequences at once "
                + "(--batch), or give the JVM more heap"), line);
    }
}
