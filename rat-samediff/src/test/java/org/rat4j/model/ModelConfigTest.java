package org.rat4j.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rat4j.attention.AttentionConfig;
import org.rat4j.config.ConfigException;
import org.rat4j.ops.RotaryEmbedding;
import org.rat4j.rat.RatConfig;
import org.rat4j.ratplus.RatPlusConfig;
import org.rat4j.ratplus.RatPlusPattern;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** I9 (parameter counts of spec §5.1 from the shipped configs) and config errors that name the fix. */
class ModelConfigTest {
    static final Path CONFIGS = Path.of("..", "configs", "model");

    @Test
    void shippedConfigsHaveTheSpecParameterCounts() {
        Map<String, Long> expected = Map.of(
                "attention-xl", 1_273_595_904L, "rat-xl", 1_298_810_880L, "rnn-xl", 1_273_645_056L,
                "attention-swa-interleave-xl", 1_273_595_904L, "rat-swa-interleave-xl", 1_286_203_392L,
                "ratplus-1b", 1_474_922_496L, "attention-1b", 1_374_259_200L, "ratplus-3b", 2_651_077_120L,
                "ratplus-7b", 7_647_531_008L, "attention-7b", 7_110_660_096L);
        expected.forEach((name, count) -> {
            ModelConfig c = ModelConfig.fromYaml(CONFIGS.resolve(name + ".yaml"));
            assertEquals(count, c.parameterCount(), name);
            // The formula and the tensors the model would allocate agree.
            long sum = RatLanguageModel.parameterShapes(c).values().stream()
                    .mapToLong(s -> { long n = 1; for (long x : s) n *= x; return n; }).sum();
            assertEquals(count, sum, name + " (tensor shapes)");
        });
    }

    @Test
    void everyShippedConfigParses() throws Exception {
        try (var files = Files.list(CONFIGS)) {
            long n = files.filter(p -> p.toString().endsWith(".yaml")).peek(ModelConfig::fromYaml).count();
            assertTrue(n >= 18, "configs found: " + n);
        }
    }

    @Test
    void jsonRoundTrip() {
        ModelConfig c = ModelConfig.fromYaml(CONFIGS.resolve("rat-swa-interleave-xl.yaml"));
        assertEquals(c, ModelConfig.fromJsonText(c.toJson()));
        ModelConfig rp = ModelConfig.of(100, 32, 3, 4, 64, new RatPlusConfig(java.util.List.of(4, 8, 16), java.util.List.of(0, 2, 0), java.util.List.of(1), true, false, RotaryEmbedding.DEFAULT_BASE, true));
        assertEquals(rp, ModelConfig.fromJsonText(rp.toJson()));
        assertEquals(new RatPlusPattern(8, 2, 1), ((RatPlusConfig) rp.mixerFor(1)).patternFor(rp.indexWithinCell(1)));
    }

    @Test
    void unknownKeySuggestsTheNearestOne(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("m.yaml");
        Files.writeString(f, "model:\n  vocab_size: 10\n  d_model: 8\n  n_layers: 1\n  num_heads: 2\n"
                + "  backbone:\n    seq_cell:\n      type: rat\n      chunk_sise: 4\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ModelConfig.fromYaml(f));
        assertTrue(e.getMessage().contains("unknown config key 'model.backbone.seq_cell.chunk_sise'"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'model.backbone.seq_cell.chunk_size'"), e.getMessage());
    }

    @Test
    void unknownLayerTypeIsNamed(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("m.yaml");
        Files.writeString(f, "model:\n  vocab_size: 10\n  d_model: 8\n  n_layers: 1\n  num_heads: 2\n"
                + "  backbone:\n    seq_cell:\n      type: rta\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ModelConfig.fromYaml(f));
        assertTrue(e.getMessage().contains("unknown layer type 'rta'") && e.getMessage().contains("did you mean 'rat'"), e.getMessage());
    }

    /** The message of reading {@code yaml} (the model section's body) as a config; it must be one line. */
    private static String refusal(Path dir, String body) throws Exception {
        Path f = dir.resolve("m.yaml");
        Files.writeString(f, "model:\n  d_model: 8\n  n_layers: 1\n  num_heads: 2\n  backbone: {seq_cell: {type: rat}}\n" + body);
        ConfigException e = assertThrows(ConfigException.class, () -> ModelConfig.fromYaml(f));
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void hostileValuesGetOneLineErrors(@TempDir Path dir) throws Exception {
        // 1e10 and 2^40 were clamped to 2147483647 by Number.intValue(); .inf too.
        assertTrue(refusal(dir, "  vocab_size: 1e10\n").contains("'model.vocab_size' must be an integer of 32 bits, got '1.0E10'"));
        assertTrue(refusal(dir, "  vocab_size: 1099511627776\n").contains("must be an integer of 32 bits, got '1099511627776'"));
        assertTrue(refusal(dir, "  vocab_size: .inf\n").contains("got 'Infinity'"));
        // A YAML key that is not a string was a ClassCastException.
        assertTrue(refusal(dir, "  vocab_size: 10\n  1: 2\n").contains("unknown config key 'model.1'"));
        assertTrue(refusal(dir, "  vocab_size: 10\n  ~: 2\n").contains("unknown config key 'model.null'"));
        // Names and values with line breaks are shown on one line.
        assertTrue(refusal(dir, "  vocab_size: 10\n  \"vocab\\nsize\": 2\n").contains("unknown config key 'model.vocab size'"));
        assertTrue(refusal(dir, "  vocab_size: \"1\\n0\"\n").contains("got '1 0'"));
        // A structure where a single value belongs is named, never printed (this one contains itself).
        Path f = dir.resolve("self.yaml");
        Files.writeString(f, "model:\n  vocab_size: 10\n  d_model: 8\n  n_layers: 1\n  num_heads: 2\n"
                + "  backbone:\n    seq_cell:\n      type: &t\n        - x\n        - y: *t\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ModelConfig.fromYaml(f));
        assertTrue(e.getMessage().contains("'model.backbone.seq_cell.type' must be a single value, got a list"), e.getMessage());
        // A RAT+ key is named once with its path, whether the reader or the config's own check refuses it.
        Files.writeString(f, "model:\n  vocab_size: 10\n  d_model: 8\n  n_layers: 1\n  num_heads: 2\n"
                + "  backbone:\n    seq_cell:\n      type: ratplus\n      dilation_size: []\n");
        e = assertThrows(ConfigException.class, () -> ModelConfig.fromYaml(f));
        assertTrue(e.getMessage().startsWith("'model.backbone.seq_cell.dilation_size' is an empty list"), e.getMessage());
        Files.writeString(f, "model:\n  vocab_size: 10\n  d_model: 8\n  n_layers: 1\n  num_heads: 2\n"
                + "  backbone:\n    seq_cell:\n      type: ratplus\n      dilation_size: 0\n");
        e = assertThrows(ConfigException.class, () -> ModelConfig.fromYaml(f));
        assertTrue(e.getMessage().startsWith("'model.backbone.seq_cell.dilation_size' must be -1"), e.getMessage());
        // !!binary that is not base64 was an IllegalArgumentException from the YAML library (found by ModelConfigFuzzTest).
        Files.writeString(f, "model:\n  vocab_size: !!binary aGVsb5=\n");
        e = assertThrows(ConfigException.class, () -> ModelConfig.fromYaml(f));
        assertTrue(e.getMessage().startsWith("invalid YAML in " + f), e.getMessage());
        // Parser messages, several lines long, are joined.
        Files.writeString(f, "model:\n  vocab_size: [\n");
        e = assertThrows(ConfigException.class, () -> ModelConfig.fromYaml(f));
        assertTrue(e.getMessage().startsWith("invalid YAML in " + f) && !e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void badValuesAreExplained(@TempDir Path dir) {
        assertThrows(ConfigException.class, () -> ModelConfig.fromYaml(dir.resolve("missing.yaml")), "missing file");
        ConfigException heads = assertThrows(ConfigException.class,
                () -> ModelConfig.of(10, 10, 1, 3, 8, AttentionConfig.full()));
        assertTrue(heads.getMessage().contains("must divide"), heads.getMessage());
        ConfigException list = assertThrows(ConfigException.class, () -> ModelConfig.of(10, 8, 3, 2, 8,
                new RatPlusConfig(java.util.List.of(4, 8), java.util.List.of(0), java.util.List.of(0), true, false, RotaryEmbedding.DEFAULT_BASE, true)));
        assertTrue(list.getMessage().contains("exactly 3"), list.getMessage());
        ConfigException groups = assertThrows(ConfigException.class, () -> ModelConfig.of(10, 8, 1, 2, 8, RatConfig.of(4, 4)));
        assertTrue(groups.getMessage().contains("ngroups"), groups.getMessage());
    }
}
