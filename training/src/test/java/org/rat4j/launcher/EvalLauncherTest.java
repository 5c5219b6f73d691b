package org.rat4j.launcher;

import org.rat4j.attention.AttentionConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.rat4j.cli.ConsoleCapture;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.rat4j.block.MixerConfig;
import org.rat4j.model.ModelConfig;
import org.rat4j.data.tokenizer.Tokenizers;
import org.rat4j.io.ModelIO;
import org.rat4j.model.RatLanguageModel;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code rat4j eval} is reachable from the launcher, and its errors come out as one line with exit code 2. */
class EvalLauncherTest {
    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    @Test
    void listedInHelpAndErrorsAreOneLine(@TempDir Path dir) throws Exception {
        assertEquals(0, Rat4j.run(new String[]{"--help"}));
        assertTrue(console.out().contains("  eval "), console.out());
        assumeTrue(Tokenizers.defaultAvailable(), "needs data/tokenizer/llama2.tokenizer");
        Path model = dir.resolve("m");
        ModelIO.save(RatLanguageModel.initialize(ModelConfig.of(32000, 16, 1, 2, 32, AttentionConfig.full()), 1, DataType.FLOAT), model);
        assertEquals(2, Rat4j.run(new String[]{"eval", "--model", model.toString(), "--tasks", "piqa,arc_eesy"}));
        String e = console.err().strip();
        assertEquals(1, e.lines().count(), e);
        assertTrue(e.startsWith("rat4j eval: error: unknown task 'arc_eesy'; did you mean 'arc_easy'?"), e);
    }
}
