package org.rat4j.model;

import org.rat4j.config.ConfigException;
import org.rat4j.config.ConfigReader;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Fuzz tests of the model config readers (issue 14, deliverable 8), on Jazzer's JUnit integration: {@code config.json}
 * text, YAML text, and config trees (shipped configs changed in random places, or built from the config's own
 * vocabulary). Every input ends in a config or a one-line {@link ConfigException}, never another exception; a config
 * that is accepted yields its parameter shapes and its {@code config.json} reads back to the same text.
 *
 * <p>The normal suite runs each target on the empty input and on the files in {@code ModelConfigFuzzTestInputs/}
 * (a bounded, fixed set). To fuzz a target: {@code JAZZER_FUZZ=1 mvn -o -pl rat-samediff test
 * -Dtest='ModelConfigFuzzTest#tree'}.
 */
class ModelConfigFuzzTest {
    private static final List<String> KEYS = List.of("vocab_size", "d_model", "n_layers", "num_heads", "seq_len",
            "tie_embedding", "init_std", "norm_eps", "eos_token_id", "backbone", "seq_cell", "seq_cell1", "interleave_step",
            "hidden_cell", "type", "ffn_mult", "chunk_size", "ngroups", "window_size", "dilation_size", "local_size",
            "initial_size", "apply_re", "joint_train", "rope_base", "model");
    private static final List<String> WORDS = List.of("rat", "attention", "swa", "local_attention", "rnn", "ratplus",
            "gated_attention", "ffn", "true", "false", "16", "-1", "1e9", "0x10", "NaN", "");
    private static final List<Object> NUMBERS = List.of(-1, 0, 1, 2, 3, 4, 8, 16, 64, 4096, Integer.MAX_VALUE,
            Integer.MIN_VALUE, 1L << 40, 1e300, 0.5, -0.0, Double.NaN, Double.POSITIVE_INFINITY);

    @TempDir
    static Path scratch;

    /** Any bytes as {@code config.json}. */
    @FuzzTest(maxExecutions = 20_000, maxDuration = "2m")
    void jsonText(byte[] bytes) throws IOException {
        Path f = scratch.resolve("config.json");
        Files.write(f, bytes);
        expectConfigOrOneLine(() -> ModelConfig.fromJson(f));
    }

    /** Any bytes as a YAML config file (tags, anchors and aliases included). */
    @FuzzTest(maxExecutions = 20_000, maxDuration = "2m")
    void yamlText(byte[] bytes) throws IOException {
        Path f = scratch.resolve("config.yaml");
        Files.write(f, bytes);
        expectConfigOrOneLine(() -> ModelConfig.fromYaml(f));
    }

    /**
     * A config tree: a shipped config with a few keys set to other values or removed, or a tree built from the
     * config's own keys and values; read directly and through its JSON text.
     */
    @FuzzTest(maxExecutions = 5_000, maxDuration = "2m")
    void tree(FuzzedDataProvider d) throws IOException {
        Map<String, Object> tree;
        if (d.consumeBoolean()) {
            tree = map(d, 3);
        } else {
            List<Path> files = shipped();
            tree = modelSection(ModelConfig.loadYaml(files.get(d.consumeInt(0, files.size() - 1))));
            int edits = d.consumeInt(1, 4);
            for (int i = 0; i < edits; i++) edit(d, tree);
        }
        expectConfigOrOneLine(() -> {
            ConfigReader r = new ConfigReader("", tree);
            ModelConfig c = ModelConfig.read(r);
            r.finish();
            return c;
        });
        String json = new ObjectMapper().writeValueAsString(tree);
        expectConfigOrOneLine(() -> ModelConfig.fromJsonText(json));
    }

    interface Reader {
        ModelConfig read() throws IOException;
    }

    static void expectConfigOrOneLine(Reader reader) throws IOException {
        ModelConfig c;
        try {
            c = reader.read();
        } catch (ConfigException e) {
            assertNotNull(e.getMessage());
            assertFalse(e.getMessage().isBlank());
            assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\r"), e.getMessage());
            return;
        }
        assertFalse(RatLanguageModel.parameterShapes(c).isEmpty());
        // config.json is a fixed point. (Not record equality: a key the type ignores, such as an RNN's rope_base, is
        // read into the record but not written; the fuzzer found it, and it changes nothing the model computes.)
        assertEquals(c.toJson(), ModelConfig.fromJsonText(c.toJson()).toJson(), "config.json round trip");
    }

    /** Sets one key somewhere in the tree to a fuzzed value, or removes it. */
    @SuppressWarnings("unchecked")
    private static void edit(FuzzedDataProvider d, Map<String, Object> tree) {
        Map<String, Object> node = tree;
        while (d.consumeBoolean()) {
            List<Map<String, Object>> children = node.values().stream().filter(v -> v instanceof Map)
                    .map(v -> (Map<String, Object>) v).toList();
            if (children.isEmpty()) break;
            node = children.get(d.consumeInt(0, children.size() - 1));
        }
        String key = d.consumeBoolean() ? d.pickValue(KEYS) : d.consumeString(6);
        if (d.consumeInt(0, 5) == 0) node.remove(key);
        else node.put(key, value(d, 2));
    }

    private static Map<String, Object> map(FuzzedDataProvider d, int depth) {
        Map<String, Object> m = new LinkedHashMap<>();
        int n = d.consumeInt(0, 6);
        for (int i = 0; i < n; i++) m.put(d.consumeBoolean() ? d.pickValue(KEYS) : d.consumeString(6), value(d, depth - 1));
        return m;
    }

    private static Object value(FuzzedDataProvider d, int depth) {
        return switch (d.consumeInt(0, depth > 0 ? 7 : 5)) {
            case 0 -> null;
            case 1 -> d.consumeBoolean();
            case 2 -> d.pickValue(NUMBERS);
            case 3 -> d.consumeInt();
            case 4 -> d.consumeBoolean() ? d.pickValue(WORDS) : d.consumeString(12);
            case 5 -> d.consumeRegularDouble();
            case 6 -> new ArrayList<>(Arrays.asList(value(d, depth - 1), value(d, depth - 1)));
            default -> map(d, depth);
        };
    }

    /** The shipped model configs, {@code configs/model/*.yaml}. */
    private static List<Path> shipped() throws IOException {
        if (shipped == null) {
            try (Stream<Path> files = Files.list(ModelConfigTest.CONFIGS)) {
                shipped = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
            }
        }
        return shipped;
    }

    private static List<Path> shipped;

    @SuppressWarnings("unchecked")
    private static Map<String, Object> modelSection(Map<String, Object> file) {
        return (Map<String, Object>) file.get("model");
    }
}
