package org.rat4j.model;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.rat4j.TestModels;
import org.rat4j.attention.AttentionConfig;
import org.rat4j.config.ConfigException;
import org.rat4j.decode.Decoder;
import org.rat4j.rat.RatConfig;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Issue 14, deliverable 4: sizes known before allocation, and requests that cannot fit refused with their size. */
class MemoryBudgetTest {
    @Test
    void parameterBytesAreTheParameterCountTimesTheWidth() {
        ModelConfig ratXl = ModelConfig.fromYaml(Path.of("..", "configs", "model", "rat-xl.yaml"));
        assertEquals(1_298_810_880L * 4, MemoryBudget.parameterBytes(ratXl, DataType.FLOAT));
        assertEquals(1_298_810_880L * 8, MemoryBudget.parameterBytes(ratXl, DataType.DOUBLE));
        // the issue's config: a 10^8 × 64 embedding alone is 25.6 GB in float32
        ModelConfig big = ModelConfig.of(100_000_000, 64, 2, 2, 64, RatConfig.of(16, 1));
        assertEquals(big.parameterCount() * 4, MemoryBudget.parameterBytes(big, DataType.FLOAT));
        assertTrue(MemoryBudget.parameterBytes(big, DataType.FLOAT) > 25_600_000_000L);
    }

    @Test
    void decodeCacheBytesAreHandComputed() {
        // D = 16, H = 2 (d = 8), one layer, 300 tokens, float32. Attention keeps 300 slots: 2 pages of 256 slots per head,
        // each page 2 · 256 · 8 floats (keys and values) plus 2 references: 2 · 2 · (16384 + 16) = 65600 bytes, 300 flags,
        // and two running states of 16 doubles (256 bytes): 66156 bytes per sequence.
        ModelConfig attention = ModelConfig.of(60, 16, 1, 2, 32, AttentionConfig.full());
        assertEquals(3 * 66_156L, MemoryBudget.decodeCacheBytes(attention, DataType.FLOAT, 3, 300));
        // RAT with L = 4 keeps one slot per chunk: 75 slots, one page per head: 2 · (16384 + 16) + 75 + 256
        ModelConfig rat = ModelConfig.of(60, 16, 1, 2, 32, RatConfig.of(4, 2));
        assertEquals(2 * 33_131L, MemoryBudget.decodeCacheBytes(rat, DataType.FLOAT, 2, 300));
        // float64 doubles the pages: 2 · 2 · (32768 + 16) + 300 + 256
        assertEquals(131_692L, MemoryBudget.decodeCacheBytes(attention, DataType.DOUBLE, 1, 300));
    }

    @Test
    void theEstimateCoversWhatTheCachesHold() {
        for (Map.Entry<String, ModelConfig> e : TestModels.all().entrySet()) {
            RatLanguageModel m = TestModels.model(e.getValue(), 1);
            for (int capacity : new int[]{1, 17, 300}) {
                long state = new Decoder(m, 2, capacity).stateElementsPerSequence() * 2 * Double.BYTES;
                long estimate = MemoryBudget.decodeCacheBytes(e.getValue(), DataType.DOUBLE, 2, capacity);
                assertTrue(estimate >= state, e.getKey() + " at " + capacity + ": " + estimate + " < " + state);
            }
        }
    }

    @Test
    void aModelLargerThanAnyMachineIsRefusedBeforeAllocation() {
        ModelConfig huge = ModelConfig.of(100_000_000, 4096, 2, 32, 64, RatConfig.of(16, 1));
        ConfigException e = assertThrows(ConfigException.class, () -> RatLanguageModel.initialize(huge, 1, DataType.FLOAT));
        String size = MemoryBudget.gib(MemoryBudget.parameterBytes(huge, DataType.FLOAT));
        assertTrue(e.getMessage().startsWith(String.format("a model of %,d parameters (float32) needs %s of memory but ",
                huge.parameterCount(), size)), e.getMessage());
        assertTrue(e.getMessage().endsWith("; make the model smaller (model.vocab_size, d_model, n_layers) or free memory"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void decodeCachesBeyondTheHeapAreRefusedBeforeAllocation() {
        RatLanguageModel m = RatLanguageModel.initialize(ModelConfig.of(60, 16, 1, 2, 32, AttentionConfig.full()), 1, DataType.FLOAT);
        long bytes = MemoryBudget.decodeCacheBytes(m.config(), DataType.FLOAT, 4, Integer.MAX_VALUE);
        assertTrue(bytes > Runtime.getRuntime().maxMemory(), "the caches exceed the heap: " + bytes);
        ConfigException e = assertThrows(ConfigException.class, () -> new Decoder(m, 4, Integer.MAX_VALUE));
        assertTrue(e.getMessage().startsWith("the decode cache of 4 sequence(s) of up to 2,147,483,647 tokens needs "
                + MemoryBudget.gib(bytes) + " of memory but the JVM heap (at most "), e.getMessage());
        assertTrue(e.getMessage().contains("--max-new") && e.getMessage().contains("--batch"), e.getMessage());
    }

    @Test
    void aForwardPassBeyondMemoryIsRefusedBeforeItStarts() {
        RatLanguageModel m = RatLanguageModel.initialize(ModelConfig.of(60, 16, 1, 2, 32, AttentionConfig.full()), 1, DataType.FLOAT);
        int[][] ids = new int[1][10_000_000];   // a [T, T] score matrix of 10^7 tokens alone is 1.6 PB
        ConfigException e = assertThrows(ConfigException.class, () -> m.logits(ids));
        assertTrue(e.getMessage().startsWith("the forward pass over 1 × 10000000 tokens (logits [B·T, V = 60] and activations) needs "),
                e.getMessage());
        assertTrue(e.getMessage().endsWith("; give fewer or shorter sequences at once"), e.getMessage());
        ConfigException prefill = assertThrows(ConfigException.class, () -> new Decoder(m, 1, 10_000_001).prefill(ids));
        assertTrue(prefill.getMessage().startsWith("the prefill of 1 prompt(s) of 10,000,000 tokens needs "), prefill.getMessage());
    }

    @Test
    void whatFitsIsAccepted() {
        MemoryBudget.requireNative("one byte", 1, "nothing");
        MemoryBudget.requireHeap("one byte", 1, "nothing");
        ConfigException e = assertThrows(ConfigException.class, () -> MemoryBudget.requireHeap("everything", Long.MAX_VALUE, "do less"));
        assertTrue(e.getMessage().matches("everything needs 8589934592\\.00 GiB of memory but the JVM heap \\(at most [0-9.]+ GiB: -Xmx, "
                + "set through RAT4J_JAVA_OPTS for \\./rat4j\\) has [0-9.]+ GiB free; do less"), e.getMessage());
    }
}
