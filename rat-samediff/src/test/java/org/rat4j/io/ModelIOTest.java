package org.rat4j.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rat4j.TestModels;
import org.rat4j.attention.AttentionConfig;
import org.rat4j.config.ConfigException;
import org.rat4j.model.ModelConfig;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.rat.RatConfig;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Save/load round trips and the errors for damaged or mismatched weight files. */
class ModelIOTest {
    static final ModelConfig CONFIG = ModelConfig.interleaved(TestModels.VOCAB, 16, 2, 4, 16, RatConfig.of(4, 2), AttentionConfig.sliding(3));

    @Test
    void roundTripIsExact(@TempDir Path dir) throws Exception {
        for (DataType type : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            RatLanguageModel m = RatLanguageModel.initialize(CONFIG, 4, type);
            Path d = dir.resolve(type.name());
            ModelIO.save(m, d);
            RatLanguageModel back = ModelIO.load(d, type);
            assertEquals(m.config(), back.config());
            m.parameters().forEach((n, a) -> assertEquals(a, back.parameters().get(n), n));
            int[][] ids = TestModels.tokens(1, 16, 3);
            assertEquals(m.logits(ids), back.logits(ids));
        }
    }

    @Test
    void roundTripThroughDl4jZipFormat(@TempDir Path dir) throws Exception {
        RatLanguageModel m = RatLanguageModel.initialize(CONFIG, 4, DataType.FLOAT);
        Path zip = dir.resolve("model.zip");
        org.rat4j.dl4j.Dl4jFormat.save(m, zip);
        RatLanguageModel back = org.rat4j.dl4j.Dl4jFormat.load(zip, DataType.FLOAT);
        assertEquals(m.config(), back.config());
        m.parameters().forEach((n, a) -> assertEquals(a, back.parameters().get(n), n));
        Files.write(zip, new byte[]{1, 2, 3});
        assertTrue(assertThrows(ConfigException.class, () -> org.rat4j.dl4j.Dl4jFormat.load(zip, DataType.FLOAT))
                .getMessage().contains("not a readable DL4J model zip"));
    }

    @Test
    void writesTheReferenceNamesAndLayouts(@TempDir Path dir) throws Exception {
        ModelIO.save(RatLanguageModel.initialize(CONFIG, 4, DataType.FLOAT), dir);
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (SafeTensors.Entry e : SafeTensors.header(dir.resolve(ModelIO.WEIGHTS))) shapes.put(e.name(), e.shape());
        assertArrayEquals(new long[]{TestModels.VOCAB, 16}, shapes.get("embedding.wte.weight"));
        assertArrayEquals(new long[]{TestModels.VOCAB, 16}, shapes.get("head.lm_head.weight"));
        assertArrayEquals(new long[]{3 * 16 + 2 * 2 * 4, 16}, shapes.get("backbone.layers.0.seq_layer.in_proj.weight"));  // RAT
        assertArrayEquals(new long[]{3 * 16, 16}, shapes.get("backbone.layers.1.seq_layer.in_proj.weight"));             // SWA
        assertArrayEquals(new long[]{16}, shapes.get("backbone.layers.0.seq_layer.gate_bias"));
        assertArrayEquals(new long[]{64, 16}, shapes.get("backbone.layers.1.hidden_layer.fc1.weight"));
        assertArrayEquals(new long[]{16}, shapes.get("backbone.ln.weight"));
        assertEquals(2 + (4 + 3) + (3 + 3) + 1, shapes.size());   // wte, head, RAT+FFN, SWA+FFN, final norm
    }

    @Test
    void readsHalfPrecisionWeights(@TempDir Path dir) throws Exception {
        // bfloat16 1.5 = 0x3FC0, float16 -2.0 = 0xC000, both little-endian after an 8-byte length and a JSON header.
        String header = "{\"a\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[0,2]},\"b\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[2,4]}}";
        Path f = dir.resolve("h.safetensors");
        try (var out = Files.newOutputStream(f)) {
            out.write(java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(header.length()).array());
            out.write(header.getBytes());
            out.write(new byte[]{(byte) 0xC0, 0x3F, 0x00, (byte) 0xC0});
        }
        Map<String, INDArray> t = SafeTensors.read(f, DataType.FLOAT);
        assertEquals(1.5, t.get("a").getDouble(0));
        assertEquals(-2.0, t.get("b").getDouble(0));
    }

    @Test
    void missingTensorIsNamed(@TempDir Path dir) throws Exception {
        RatLanguageModel m = RatLanguageModel.initialize(CONFIG, 4, DataType.FLOAT);
        Map<String, INDArray> t = new LinkedHashMap<>(m.parameters());
        t.remove("backbone.layers.1.seq_layer.out_proj.weight");
        SafeTensors.write(dir.resolve(ModelIO.WEIGHTS), t, Map.of(), DataType.FLOAT);
        AtomicFiles.writeString(dir.resolve(ModelIO.CONFIG), CONFIG.toJson());
        ConfigException e = assertThrows(ConfigException.class, () -> ModelIO.load(dir, DataType.FLOAT));
        assertTrue(e.getMessage().contains("missing tensor 'backbone.layers.1.seq_layer.out_proj.weight'"), e.getMessage());
    }

    @Test
    void wrongShapeIsNamed(@TempDir Path dir) throws Exception {
        RatLanguageModel m = RatLanguageModel.initialize(CONFIG, 4, DataType.FLOAT);
        Map<String, INDArray> t = new LinkedHashMap<>(m.parameters());
        t.put("backbone.ln.weight", Nd4j.ones(DataType.FLOAT, 15));
        SafeTensors.write(dir.resolve(ModelIO.WEIGHTS), t, Map.of(), DataType.FLOAT);
        AtomicFiles.writeString(dir.resolve(ModelIO.CONFIG), CONFIG.toJson());
        ConfigException e = assertThrows(ConfigException.class, () -> ModelIO.load(dir, DataType.FLOAT));
        assertTrue(e.getMessage().contains("'backbone.ln.weight' has shape [15] but the model config needs [16]"), e.getMessage());
    }

    @Test
    void truncatedFileIsNamed(@TempDir Path dir) throws Exception {
        ModelIO.save(RatLanguageModel.initialize(CONFIG, 4, DataType.FLOAT), dir);
        Path w = dir.resolve(ModelIO.WEIGHTS);
        try (RandomAccessFile f = new RandomAccessFile(w.toFile(), "rw")) {
            f.setLength(f.length() - 100);
        }
        ConfigException e = assertThrows(ConfigException.class, () -> ModelIO.load(dir, DataType.FLOAT));
        assertTrue(e.getMessage().contains("is truncated"), e.getMessage());
        try (RandomAccessFile f = new RandomAccessFile(w.toFile(), "rw")) {
            f.setLength(5);
        }
        assertTrue(assertThrows(ConfigException.class, () -> ModelIO.load(dir, DataType.FLOAT)).getMessage()
                .contains("not a valid safetensors file"));
    }

    @Test
    void missingFilesAreNamed(@TempDir Path dir) {
        assertTrue(assertThrows(ConfigException.class, () -> ModelIO.load(dir.resolve("nope"), DataType.FLOAT))
                .getMessage().contains("model directory not found"));
        assertTrue(assertThrows(ConfigException.class, () -> ModelIO.load(dir, DataType.FLOAT))
                .getMessage().contains("no model.safetensors"));
    }

    @Test
    void configAndWeightsMustMatch(@TempDir Path dir) throws Exception {
        ModelIO.save(RatLanguageModel.initialize(CONFIG, 4, DataType.FLOAT), dir);
        ModelConfig other = ModelConfig.of(TestModels.VOCAB, 16, 2, 4, 16, AttentionConfig.full());
        AtomicFiles.writeString(dir.resolve(ModelIO.CONFIG), other.toJson());
        ConfigException e = assertThrows(ConfigException.class, () -> ModelIO.load(dir, DataType.FLOAT));
        assertTrue(e.getMessage().contains("backbone.layers.0.seq_layer.in_proj.weight"), e.getMessage());
    }
}
