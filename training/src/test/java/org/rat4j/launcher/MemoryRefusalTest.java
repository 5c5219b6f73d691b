package org.rat4j.launcher;

import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.rat4j.config.ConfigException;
import org.rat4j.model.ModelConfig;
import org.rat4j.data.tokenizer.Tokenizers;
import org.rat4j.train.MemoryCheck;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code vocab_size: 100000000} ended in a SIGSEGV inside ND4J's allocation (exit 134, an hs_err file in the working
 * directory); it is now refused before anything is allocated, with the size in GiB and the setting to change.
 */
class MemoryRefusalTest {
    /** RSS growth allowed to a refused command: loading the tokenizer and the classes, far below the 12 to 60 GiB asked for. */
    private static final long ALLOWED_GROWTH = 256L << 20;

    /** A model YAML for {@code rat4j init}: tiny-rat's shape with the given sizes. */
    private static Path modelYaml(Path dir, long vocab, int dModel, int layers) throws Exception {
        Path cfg = dir.resolve("m-" + vocab + "-" + dModel + "-" + layers + ".yaml");
        Files.writeString(cfg, "model:\n  vocab_size: " + vocab + "\n  d_model: " + dModel + "\n  n_layers: " + layers
                + "\n  num_heads: 2\n  seq_len: 256\n  backbone:\n    seq_cell:\n      type: rat\n      chunk_size: 16\n      ngroups: 2\n");
        return cfg;
    }

    @Test
    void initRefusesAHundredMillionWordVocabularyBeforeAllocating(@TempDir Path dir) throws Exception {
        Path cfg = modelYaml(dir, 100_000_000, 128, 4);
        long before = Pointer.physicalBytes();
        Object[] r = TrainCommandTest.rat4j("init", "--config", cfg.toString(), "--out", dir.resolve("model").toString());
        String err = (String) r[1];
        assertEquals(2, r[0], err);
        // tiny-rat's 5,015,168 parameters (docs/results.md) less its 32000 × 128 embedding, plus 100,000,000 × 128;
        // × 4 bytes = 47.69 GiB
        assertTrue(err.contains("the model has 12,800,919,168 parameters, 47.7 GiB in float"), err);
        assertTrue(err.contains("holding it needs at least 47.7 GiB (its weights)"), err);
        assertTrue(err.contains("lower model.vocab_size (100,000,000; the embedding is 47.7 GiB of it)"), err);
        assertEquals(1, err.strip().lines().count(), "one line: " + err);
        assertFalse(Files.exists(dir.resolve("model")), "nothing written");
        assertTrue(Pointer.physicalBytes() - before < ALLOWED_GROWTH, "nothing allocated");
    }

    @Test
    void trainRefusesItBeforeAllocatingTheModelOrReadingTheData(@TempDir Path dir) {
        assumeTrue(Tokenizers.defaultAvailable(), "the built-in data is not set up (scripts/fetch-data.sh)");
        long before = Pointer.physicalBytes();
        Object[] r = TrainCommandTest.rat4j(TrainCommandTest.small(dir.resolve("run"), "model.vocab_size=100000000"));
        String err = (String) r[1];
        assertEquals(2, r[0], err);
        // d_model 32: the embedding alone is 100,000,000 × 32 × 4 bytes = 11.9 GiB, five copies in training 59.6 GiB.
        assertTrue(err.contains("training it needs at least 59.6 GiB (weights, gradients, AdamW's two moments and its scratch array)"), err);
        assertTrue(err.contains("the embedding is 11.9 GiB of it"), err);
        assertFalse(err.contains("\tat "), "no stack trace: " + err);
        assertFalse(Files.exists(dir.resolve("run/checkpoints")));
        assertTrue(Pointer.physicalBytes() - before < ALLOWED_GROWTH, "nothing allocated");
    }

    @Test
    void theCheckComparesWithWhatCanBeAllocated(@TempDir Path dir) throws Exception {
        ModelConfig tiny = ModelConfig.fromYaml(modelYaml(dir, 1000, 16, 1));
        long bytes = tiny.parameterCount() * 4;
        MemoryCheck.require(tiny, DataType.FLOAT, MemoryCheck.Use.TRAINING, 5 * bytes);
        ConfigException e = assertThrows(ConfigException.class,
                () -> MemoryCheck.require(tiny, DataType.FLOAT, MemoryCheck.Use.TRAINING_ACCUMULATED, 5 * bytes));
        assertTrue(e.getMessage().contains("accumulated gradients"), e.getMessage());
        // Layers, not the embedding, dominate a model with a small vocabulary: the advice names their sizes.
        ModelConfig deep = ModelConfig.fromYaml(modelYaml(dir, 10, 512, 8));
        e = assertThrows(ConfigException.class, () -> MemoryCheck.require(deep, DataType.DOUBLE, MemoryCheck.Use.MODEL, 1000));
        assertTrue(e.getMessage().endsWith("lower model.d_model or model.n_layers"), e.getMessage());
        assertTrue(e.getMessage().contains("in double"), e.getMessage());
    }
}
