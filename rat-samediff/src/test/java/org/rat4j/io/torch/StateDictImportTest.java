package org.rat4j.io.torch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.rat4j.config.ConfigException;
import org.rat4j.io.ModelIO;
import org.rat4j.io.SafeTensors;
import org.rat4j.model.ModelConfig;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.rat.RatConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Imports of the checkpoints written by PyTorch 1.13 ({@code tools/torch-fixtures/make_fixtures.py}) against their
 * safetensors twins, which hold the same values under rat4j's names.
 */
class StateDictImportTest {
    static final Path FIXTURES = Path.of("src", "test", "resources", "torch");
    static final int[][] IDS = tokens();

    static int[][] tokens() {
        int[] row = new int[32];                                     // seq_len 32: a multiple of L=4 and of D=4
        for (int i = 0; i < row.length; i++) row[i] = (7 * i + 3) % 64;
        return new int[][]{row};
    }

    static ModelConfig config(String yaml) {
        return ModelConfig.fromYaml(FIXTURES.resolve(yaml));
    }

    static StateDictImport.Plan plan(TorchCheckpoint c, ModelConfig config) throws Exception {
        return StateDictImport.plan(c, config);
    }

    static RatLanguageModel importModel(String pth, ModelConfig config) throws Exception {
        try (TorchCheckpoint c = TorchCheckpoint.open(FIXTURES.resolve(pth))) {
            return plan(c, config).load(name -> { });
        }
    }

    static RatLanguageModel twin(String pth, ModelConfig config) throws Exception {
        Path st = FIXTURES.resolve(pth.replace(".pth", ".safetensors"));
        return RatLanguageModel.fromParameters(config, SafeTensors.read(st, DataType.FLOAT), DataType.FLOAT);
    }

    static double maxAbsDiff(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue();
    }

    @Test
    void importsMatchTheirSafetensorsTwins(@TempDir Path dir) throws Exception {
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("rat-f32.pth", "rat.yaml");
        cases.put("rat-bf16.pth", "rat.yaml");
        cases.put("attention-f32.pth", "attention.yaml");
        cases.put("ratplus-legacy-f32.pth", "ratplus.yaml");
        cases.put("ratplus-legacy-f16.pth", "ratplus.yaml");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            ModelConfig config = config(c.getValue());
            RatLanguageModel imported = importModel(c.getKey(), config);
            RatLanguageModel twin = twin(c.getKey(), config);
            assertEquals(twin.parameters().keySet(), imported.parameters().keySet(), c.getKey());
            for (String name : twin.parameters().keySet()) {
                assertArrayEquals(twin.parameters().get(name).data().asFloat(), imported.parameters().get(name).data().asFloat(),
                        0f, c.getKey() + " " + name);
            }
            // End to end as 'rat4j import' does: save the model directory, load it, score.
            Path out = dir.resolve(c.getKey());
            ModelIO.save(imported, out);
            INDArray logits = ModelIO.load(out, DataType.FLOAT).logits(IDS);
            INDArray expected = twin.logits(IDS);
            assertTrue(maxAbsDiff(logits, expected) <= 1e-6, c.getKey() + ": " + maxAbsDiff(logits, expected));
            assertTrue(expected.stdNumber().doubleValue() > 0.5, c.getKey() + ": sharp weights give spread logits");
        }
    }

    @Test
    void theLegacyRowOrderMatters() throws Exception {
        // Put RAT+'s forget-gate rows first instead of last: the logits move far beyond the 1e-6 the import meets.
        ModelConfig config = config("ratplus.yaml");
        RatLanguageModel right = twin("ratplus-legacy-f32.pth", config);
        Map<String, INDArray> swapped = new LinkedHashMap<>(right.parameters());
        for (int layer = 0; layer < 2; layer++) {
            String name = "backbone.layers." + layer + ".seq_layer.in_proj.weight";
            INDArray w = swapped.get(name);                                          // [5D, D]: o, q, k, v, g
            swapped.put(name, Nd4j.concat(0, w.get(NDArrayIndex.interval(64, 80), NDArrayIndex.all()),
                    w.get(NDArrayIndex.interval(0, 64), NDArrayIndex.all())));       // g, o, q, k, v
        }
        RatLanguageModel wrong = RatLanguageModel.fromParameters(config, swapped, DataType.FLOAT);
        assertTrue(maxAbsDiff(right.logits(IDS), wrong.logits(IDS)) > 0.1);
    }

    @Test
    void bf16ImportHoldsExactlyTheBf16Values() throws Exception {
        for (INDArray a : importModel("rat-bf16.pth", config("rat.yaml")).parameters().values()) {
            for (float f : a.data().asFloat()) assertEquals(0, Float.floatToRawIntBits(f) & 0xFFFF, "a bf16 value widened to f32");
        }
        boolean anyWider = false;
        for (INDArray a : importModel("rat-f32.pth", config("rat.yaml")).parameters().values()) {
            for (float f : a.data().asFloat()) anyWider |= (Float.floatToRawIntBits(f) & 0xFFFF) != 0;
        }
        assertTrue(anyWider, "the f32 fixture is not bf16 in disguise");
    }

    @Test
    void notesSayWhatTheMappingDid() throws Exception {
        try (TorchCheckpoint c = TorchCheckpoint.open(FIXTURES.resolve("rat-f32.pth"))) {
            String notes = String.join("\n", plan(c, config("rat.yaml")).notes());
            // 17 entries: wte, 2 x (input_norm, in_proj, gate_bias, out_proj, ln, fc1, fc2), backbone.ln, lm_head
            assertTrue(notes.contains("state dict under 'task': 17 entries"), notes);
            assertTrue(notes.contains("removed the '_orig_mod.' prefix from 17 names"), notes);
            assertTrue(notes.contains("head.lm_head.weight equals embedding.wte.weight (tied)"), notes);
            assertTrue(notes.contains("{float32=16}"), notes);
        }
        try (TorchCheckpoint c = TorchCheckpoint.open(FIXTURES.resolve("rat-bf16.pth"))) {
            String notes = String.join("\n", plan(c, config("rat.yaml")).notes());
            assertTrue(notes.contains("state dict at the top level") && notes.contains("removed the 'module.' prefix from 17 names")
                    && notes.contains("{bfloat16=16}"), notes);
        }
        try (TorchCheckpoint c = TorchCheckpoint.open(FIXTURES.resolve("ratplus-legacy-f16.pth"))) {
            StateDictImport.Plan p = plan(c, config("ratplus.yaml"));
            assertTrue(p.notes().contains("appended the legacy fgate_proj rows to in_proj in 2 layers (o, q, k, v, g)"), p.notes().toString());
            assertInstanceOf(StateDictImport.Stacked.class, p.sources().get("backbone.layers.1.seq_layer.in_proj.weight"));
            assertArrayEquals(new long[]{80, 16}, p.sources().get("backbone.layers.1.seq_layer.in_proj.weight").shape());
        }
        try (TorchCheckpoint c = TorchCheckpoint.open(FIXTURES.resolve("attention-f32.pth"))) {
            assertEquals("under 'model'", StateDictImport.stateDict(c).location());
        }
    }

    @Test
    void theFixturesExerciseStridesAndOffsets() throws Exception {
        try (TorchCheckpoint c = TorchCheckpoint.open(FIXTURES.resolve("attention-f32.pth"))) {
            StateDictImport.StateDict sd = StateDictImport.stateDict(c);
            TorchTensor fc1 = ((StateDictImport.Single) sd.tensors().get("backbone.layers.1.hidden_layer.fc1.weight")).tensor();
            assertFalse(fc1.isContiguous());
            assertArrayEquals(new long[]{1, 64}, fc1.stride());
            TorchTensor ln = ((StateDictImport.Single) sd.tensors().get("backbone.ln.weight")).tensor();
            assertEquals(3, ln.offset());
            assertEquals(16 + 7, ln.storage().bytes() / 4);
        }
    }

    @Test
    void theMaliciousPickleIsRefusedByName() {
        RestrictedUnpickler.RefusedGlobalException e = assertThrows(RestrictedUnpickler.RefusedGlobalException.class,
                () -> TorchCheckpoint.open(FIXTURES.resolve("malicious.pth")));
        assertEquals("posix.system", e.global());
        assertTrue(e.getMessage().contains("malicious.pth is refused") && e.getMessage().contains("'posix.system'"), e.getMessage());
        assertFalse(Files.exists(Path.of("/tmp/rat4j-malicious-fixture-ran")));
    }

    @Test
    void aShapeMismatchIsNamed() throws Exception {
        ModelConfig oneGroup = config("rat.yaml").withMixers(RatConfig.of(4, 1), null);   // q, k of G·d = 8: [64, 16]
        try (TorchCheckpoint c = TorchCheckpoint.open(FIXTURES.resolve("rat-f32.pth"))) {
            String m = assertThrows(ConfigException.class, () -> plan(c, oneGroup)).getMessage();
            assertTrue(m.contains("2 with another shape: backbone.layers.0.seq_layer.in_proj.weight is [80, 16] in the checkpoint,"
                    + " the config needs [64, 16], backbone.layers.1.seq_layer.in_proj.weight is [80, 16]"), m);
            assertFalse(m.contains("missing") || m.contains("unexpected"), m);
        }
    }

    @Test
    void missingAndUnexpectedTensorsAreListed(@TempDir Path dir) throws Exception {
        String yaml = Files.readString(FIXTURES.resolve("rat.yaml"));
        Files.writeString(dir.resolve("three.yaml"), yaml.replace("n_layers: 2", "n_layers: 3"));
        Files.writeString(dir.resolve("one.yaml"), yaml.replace("n_layers: 2", "n_layers: 1"));
        try (TorchCheckpoint c = TorchCheckpoint.open(FIXTURES.resolve("rat-f32.pth"))) {
            String m = assertThrows(ConfigException.class, () -> plan(c, ModelConfig.fromYaml(dir.resolve("three.yaml")))).getMessage();
            assertTrue(m.contains("7 missing (in the config, not in the checkpoint): backbone.layers.2.seq_layer.input_norm.weight [16],"
                    + " backbone.layers.2.seq_layer.in_proj.weight [80, 16], backbone.layers.2.seq_layer.gate_bias [16]"), m);
            assertTrue(m.contains("backbone.layers.2.hidden_layer.fc2.weight [16, 64]") && !m.contains("unexpected"), m);

            m = assertThrows(ConfigException.class, () -> plan(c, ModelConfig.fromYaml(dir.resolve("one.yaml")))).getMessage();
            assertTrue(m.contains("7 unexpected (in the checkpoint, not in the config): backbone.layers.1.seq_layer.gate_bias [16],"
                    + " backbone.layers.1.seq_layer.input_norm.weight [16]"), m);
            assertTrue(m.contains("backbone.layers.1.hidden_layer.fc2.weight [16, 64]") && !m.contains("missing"), m);
            assertTrue(m.contains("--list"), m);
        }
    }

    @Test
    void aHeadIsTiedOnlyWhenItEqualsTheEmbedding(@TempDir Path dir) throws Exception {
        String yaml = Files.readString(FIXTURES.resolve("attention.yaml"));
        Files.writeString(dir.resolve("tied.yaml"), yaml.replace("tie_embedding: false", "tie_embedding: true"));
        try (TorchCheckpoint c = TorchCheckpoint.open(FIXTURES.resolve("attention-f32.pth"))) {
            String m = assertThrows(ConfigException.class, () -> plan(c, ModelConfig.fromYaml(dir.resolve("tied.yaml")))).getMessage();
            assertTrue(m.contains("head.lm_head.weight differs from embedding.wte.weight") && m.contains("tie_embedding: false"), m);
        }
        // The reverse is fine: a tied checkpoint imported untied keeps two equal matrices.
        yaml = Files.readString(FIXTURES.resolve("rat.yaml"));
        Files.writeString(dir.resolve("untied.yaml"), yaml.replace("tie_embedding: true", "tie_embedding: false"));
        RatLanguageModel m = importModel("rat-f32.pth", ModelConfig.fromYaml(dir.resolve("untied.yaml")));
        assertArrayEquals(m.parameters().get(RatLanguageModel.WTE).data().asFloat(),
                m.parameters().get(RatLanguageModel.LM_HEAD).data().asFloat(), 0f);
    }
}
