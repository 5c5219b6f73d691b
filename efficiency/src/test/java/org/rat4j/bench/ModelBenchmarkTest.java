package org.rat4j.bench;

import org.junit.jupiter.api.Test;
import org.rat4j.attention.AttentionConfig;
import org.rat4j.model.ModelConfig;
import org.rat4j.rat.RatConfig;

import static org.junit.jupiter.api.Assertions.*;

class ModelBenchmarkTest {
    @Test
    void searchReportsThroughputAndStops() {
        ModelConfig c = ModelConfig.of(64, 32, 2, 2, 64, RatConfig.of(4, 2));
        ModelBenchmark mb = new ModelBenchmark(c, 1, 32, 8);
        // RAT state per sequence: ⌈40/4⌉ chunk slots × 2·D + running 2·D, per layer (+64 slots of headroom)
        assertTrue(mb.stateElementsPerSequence() > 0);
        ModelResult r = mb.search("micro-rat", 4L * Memory.GIB, 20, 2, false, 4);
        assertEquals("ok", r.status, String.valueOf(r.note));
        assertNotNull(r.bestBatch);
        assertTrue(r.tokensPerSecond > 0);
        assertTrue(r.search.size() >= 1 && r.search.size() <= 3, "batches 1, 2, 4 at most");
        for (ModelResult.Point p : r.search) assertEquals("ok", p.status);
        assertEquals(32, r.promptTokens);
        assertEquals(8, r.newTokens);
    }

    @Test
    void fullDecodeOfTheWindow() {
        ModelConfig c = ModelConfig.of(64, 32, 1, 2, 64, AttentionConfig.full());
        ModelBenchmark mb = new ModelBenchmark(c, 1, 16, 8);
        double[] t = mb.throughput(2, 2, true);
        assertTrue(t[0] > 0 && t[1] > 0 && t[2] > 0);
    }
}
