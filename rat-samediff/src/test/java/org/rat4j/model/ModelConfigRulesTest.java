package org.rat4j.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.rat4j.config.ConfigException;
import org.rat4j.io.ModelIO;
import org.rat4j.rat.RatConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 14, deliverable 6: one set of rules for a model config wherever it is read. Each rule is refused with the same
 * one-line message by the record's constructor (the API, {@code withVocabSize}, checkpoints), a YAML config
 * ({@code init}, {@code train}), a {@code config.json} file and its text, and {@link ModelIO#load} of a model folder.
 * (The launcher's commands are checked in the training module's {@code ModelConfigRulesCommandsTest}.)
 */
public class ModelConfigRulesTest {
    /** A rule: a key of the {@code model:} tree (dotted below it), a value it refuses, the message it gives. */
    public record Rule(String key, Object value, String message) {
    }

    /** V = 60, D = 16, 2 layers, 2 heads, T = 32, RAT with L = 4. */
    public static Map<String, Object> validTree() {
        return new ModelConfig(60, 16, 2, 2, 32, true, 0.02, 1e-6, 4, 1, RatConfig.of(4, 2), null, 2).toMap();
    }

    public static final List<Rule> RULES = List.of(
            new Rule("norm_eps", -1e-6, "'model.norm_eps' must be a finite number > 0, got -1.0E-6"),
            new Rule("norm_eps", 0, "'model.norm_eps' must be a finite number > 0, got 0.0"),
            new Rule("norm_eps", "NaN", "'model.norm_eps' must be a finite number > 0, got NaN"),
            new Rule("init_std", -0.02, "'model.init_std' must be a finite number >= 0, got -0.02"),
            new Rule("init_std", "Infinity", "'model.init_std' must be a finite number >= 0, got Infinity"),
            new Rule("eos_token_id", 60, "'model.eos_token_id' (60) must be a token id of the vocabulary, in [0, 60); use the "
                    + "tokenizer's EOS id (2 for LLaMA-2, 50256 for gpt2)"),
            new Rule("eos_token_id", -1, "'model.eos_token_id' (-1) must be a token id of the vocabulary, in [0, 60); use the "
                    + "tokenizer's EOS id (2 for LLaMA-2, 50256 for gpt2)"),
            new Rule("seq_len", 30, "'model.seq_len' (30) must be a multiple of 4, the RAT chunk_size (a RAT layer runs whole "
                    + "chunks); set seq_len to 28 or 32, or choose a chunk_size that divides it"),
            new Rule("backbone.seq_cell.rope_base", 0, "'rope_base' must be a finite number > 0, got 0.0"),
            new Rule("d_model", 1 << 30, "'model.d_model' (1073741824) is too large: a projection of 5 × d_model columns would "
                    + "exceed 2^31 - 1; use a smaller d_model (or ffn_mult)"));

    /** The valid tree with one rule's value set. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> treeBreaking(Rule rule) {
        Map<String, Object> tree = validTree();
        String[] path = rule.key().split("\\.");
        Map<String, Object> m = tree;
        for (int i = 0; i < path.length - 1; i++) m = (Map<String, Object>) m.get(path[i]);
        m.put(path[path.length - 1], rule.value());
        return tree;
    }

    private static String refusal(Rule rule, Function<Map<String, Object>, ModelConfig> read) {
        ConfigException e = assertThrows(ConfigException.class, () -> read.apply(treeBreaking(rule)), rule.key());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void theValidTreeIsAccepted() {
        assertEquals(ModelConfig.fromJsonText(json(validTree())), ModelConfig.fromTree(Map.of("model", validTree()), "test"));
    }

    @Test
    void everyRuleGivesTheSameOneLineErrorFromEveryReader(@TempDir Path dir) throws Exception {
        for (Rule rule : RULES) {
            // a YAML config (JSON is YAML): init and train
            assertEquals(rule.message(), refusal(rule, tree -> {
                Path f = write(dir.resolve("m.yaml"), json(Map.of("model", tree)));
                return ModelConfig.fromYaml(f);
            }));
            // config.json of a model folder, and its text (checkpoints embed it)
            assertEquals(rule.message(), refusal(rule, tree -> ModelConfig.fromJson(write(dir.resolve("config.json"), json(tree)))));
            assertEquals(rule.message(), refusal(rule, tree -> ModelConfig.fromJsonText(json(tree))));
        }
    }

    @Test
    void theConstructorAppliesTheSameRules() {
        RatConfig rat = RatConfig.of(4, 2);
        assertEquals(RULES.get(0).message(), assertThrows(ConfigException.class,
                () -> new ModelConfig(60, 16, 2, 2, 32, true, 0.02, -1e-6, 4, 1, rat, null, 2)).getMessage());
        assertEquals(RULES.get(3).message(), assertThrows(ConfigException.class,
                () -> new ModelConfig(60, 16, 2, 2, 32, true, -0.02, 1e-6, 4, 1, rat, null, 2)).getMessage());
        assertTrue(assertThrows(ConfigException.class, () -> new ModelConfig(60, 16, 2, 2, 30, true, 0.02, 1e-6, 4, 1, rat, null, 2))
                .getMessage().startsWith("'model.seq_len' (30) must be a multiple of 4"));
        // a tokenizer whose vocabulary leaves out the model's EOS
        ModelConfig ok = ModelConfig.of(60, 16, 2, 2, 32, rat);
        assertEquals("'model.eos_token_id' (2) must be a token id of the vocabulary, in [0, 2); use the tokenizer's EOS id "
                + "(2 for LLaMA-2, 50256 for gpt2)", assertThrows(ConfigException.class, () -> ok.withVocabSize(2)).getMessage());
        // interleaved RAT layers of L = 4 and 8: seq_len must be a multiple of 8 (not below it: only the multiple above)
        assertTrue(assertThrows(ConfigException.class, () -> ModelConfig.interleaved(60, 16, 2, 2, 4, RatConfig.of(8, 2), rat))
                .getMessage().contains("must be a multiple of 8, the RAT chunk_size (a RAT layer runs whole chunks); set seq_len to 8,"));
    }

    @Test
    void loadingAModelFolderAppliesThem(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("model");
        ModelIO.save(RatLanguageModel.initialize(ModelConfig.fromJsonText(json(validTree())), 1, DataType.FLOAT), model);
        for (Rule rule : RULES) {
            write(model.resolve(ModelIO.CONFIG), json(treeBreaking(rule)));
            ConfigException e = assertThrows(ConfigException.class, () -> ModelIO.load(model, DataType.FLOAT));
            assertEquals(rule.message(), e.getMessage());
        }
    }

    public static String json(Map<String, Object> tree) {
        try {
            return new ObjectMapper().writeValueAsString(new LinkedHashMap<>(tree));
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path write(Path f, String text) {
        try {
            return Files.writeString(f, text);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
