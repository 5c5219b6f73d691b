package org.rat4j.launcher;

import org.rat4j.attention.AttentionConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.rat4j.cli.Console;
import org.rat4j.block.MixerConfig;
import org.rat4j.model.ModelConfig;
import org.rat4j.data.tokenizer.Tokenizers;
import org.rat4j.io.ModelIO;
import org.rat4j.model.RatLanguageModel;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code rat4j eval} is reachable from the launcher, and its errors come out as one line with exit code 2. */
class EvalLauncherTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream oldErr;

    @BeforeEach
    void capture() {
        Console.redirect(new PrintStream(out, true));
        oldErr = System.err;
        System.setErr(new PrintStream(err, true));
    }

    @AfterEach
    void restore() {
        Console.redirect(System.out);
        System.setErr(oldErr);
    }

    @Test
    void listedInHelpAndErrorsAreOneLine(@TempDir Path dir) throws Exception {
        assertEquals(0, Rat4j.run(new String[]{"--help"}));
        assertTrue(out.toString().contains("  eval "), out.toString());
        assumeTrue(Tokenizers.defaultAvailable(), "needs data/tokenizer/llama2.tokenizer");
        Path model = dir.resolve("m");
        ModelIO.save(RatLanguageModel.initialize(ModelConfig.of(32000, 16, 1, 2, 32, AttentionConfig.full()), 1, DataType.FLOAT), model);
        assertEquals(2, Rat4j.run(new String[]{"eval", "--model", model.toString(), "--tasks", "piqa,arc_eesy"}));
        String e = err.toString().strip();
        assertEquals(1, e.lines().count(), e);
        assertTrue(e.startsWith("rat4j eval: error: unknown task 'arc_eesy'; did you mean 'arc_easy'?"), e);
    }
}
