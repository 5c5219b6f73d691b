package org.rat4j.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.rat4j.cli.ConsoleCapture;
import org.junit.jupiter.api.io.TempDir;
import org.rat4j.data.tokenizer.Tokenizers;
import org.rat4j.io.ModelIO;
import org.rat4j.model.ModelConfigRulesTest;
import org.rat4j.model.ModelConfigRulesTest.Rule;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 14, deliverable 6 at the command line: each rule of a model config ({@code ModelConfigRulesTest.RULES}) is
 * refused by {@code init} (a YAML config), by {@code score} and {@code generate} (a model folder's {@code config.json})
 * and by {@code train} (a config with overrides), each time as one line with exit code 2 and nothing written.
 */
class ModelConfigRulesCommandsTest {
    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    /** Runs a command line; it must fail with exit code 2 and this one-line message. */
    private void assertRefused(String message, String... args) {
        console.resetErr();
        assertEquals(2, Rat4j.run(args), console.err());
        assertEquals("rat4j " + args[0] + ": error: " + message, console.err().strip(), "one line, no stack trace");
    }

    @Test
    void initRefusesEveryRule(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("model");
        for (Rule rule : ModelConfigRulesTest.RULES) {
            Path yaml = Files.writeString(dir.resolve("m.yaml"), ModelConfigRulesTest.json(Map.of("model", ModelConfigRulesTest.treeBreaking(rule))));
            assertRefused(rule.message(), "init", "--config", yaml.toString(), "--out", model.toString(), "--tokenizer", "none");
            assertFalse(Files.exists(model), "nothing is written");
        }
    }

    @Test
    void scoreAndGenerateRefuseEveryRuleOfConfigJson(@TempDir Path dir) throws Exception {
        Path yaml = Files.writeString(dir.resolve("m.yaml"), ModelConfigRulesTest.json(Map.of("model", ModelConfigRulesTest.validTree())));
        Path model = dir.resolve("model");
        assertEquals(0, Rat4j.run(new String[]{"init", "--config", yaml.toString(), "--out", model.toString(), "--tokenizer", "none"}));
        Path npy = dir.resolve("l.npy");
        for (Rule rule : ModelConfigRulesTest.RULES) {
            Files.writeString(model.resolve(ModelIO.CONFIG), ModelConfigRulesTest.json(ModelConfigRulesTest.treeBreaking(rule)));
            assertRefused(rule.message(), "score", "--model", model.toString(), "--tokens", "1,2,3", "--out", npy.toString());
            assertFalse(Files.exists(npy));
            assertRefused(rule.message(), "generate", "--model", model.toString(), "--tokens", "1,2,3");
        }
    }

    @Test
    void trainRefusesEveryRule(@TempDir Path dir) {
        assumeTrue(Tokenizers.defaultAvailable(), "the built-in data is not set up (scripts/fetch-data.sh)");
        // tiny-rat: V = 32000 (LLaMA-2), seq_len 128, RAT chunk_size 16
        Map<String, String> rules = Map.of(
                "model.norm_eps=-1e-6", ModelConfigRulesTest.RULES.get(0).message(),
                "model.init_std=-0.02", ModelConfigRulesTest.RULES.get(3).message(),
                "model.eos_token_id=32000", "'model.eos_token_id' (32000) must be a token id of the vocabulary, in [0, 32000); use "
                        + "the tokenizer's EOS id (2 for LLaMA-2, 50256 for gpt2)",
                "model.seq_len=120", "'model.seq_len' (120) must be a multiple of 16, the RAT chunk_size (a RAT layer runs whole "
                        + "chunks); set seq_len to 112 or 128, or choose a chunk_size that divides it",
                "model.backbone.seq_cell.rope_base=0", "'rope_base' must be a finite number > 0, got 0.0");
        Path run = dir.resolve("run");
        rules.forEach((override, message) -> {
            assertRefused(message, List.of("train", "--config", "../configs/experiment/tiny-rat.yaml", "--no-progress",
                    "train.run_dir=" + run, "data.shard_dir=" + dir.resolve("shards"), override).toArray(new String[0]));
            assertFalse(Files.exists(run.resolve("checkpoints")), "no checkpoint is written");
        });
    }
}
