package org.rat4j.model;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.TestModels;
import org.rat4j.config.MixerConfig;
import org.rat4j.config.ModelConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** ND4J frees native memory only when Java collects; a training loop that closes its arrays must stay flat. */
class MemoryTest {

    /**
     * After a warm-up, the resident set stays in a band: its peak over steps 100–200 is at most one collection
     * threshold ({@link NativeMemory#GROWTH_BYTES}) above its peak over steps 50–100. Without {@link NativeMemory} it
     * climbs by about 5 MB per step here, 500 MB over the second half.
     */
    @Test
    void twoHundredTrainingStepsDoNotGrowTheProcess() throws Exception {
        ModelConfig c = ModelConfig.interleaved(1000, 64, 2, 2, 64, MixerConfig.rat(16, 2), MixerConfig.swa(16));
        RatLanguageModel model = RatLanguageModel.initialize(c, 1, DataType.FLOAT);
        int[][] windows = new int[4][65];
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        for (int[] row : windows) for (int t = 0; t < row.length; t++) row[t] = r.nextInt(1000);
        TokenBatch batch = TokenBatch.fromWindows(windows);
        double first = 0, last = 0;
        long firstPeak = 0, secondPeak = 0;
        for (int step = 0; step < 200; step++) {
            try (Gradients g = model.gradients(batch)) {
                for (Map.Entry<String, INDArray> e : model.parameters().entrySet()) e.getValue().subi(g.byName().get(e.getKey()).muli(0.05));
                if (step == 0) first = g.loss();
                last = g.loss();
            }
            long rss = rssKb();
            if (step >= 50 && step < 100) firstPeak = Math.max(firstPeak, rss);
            if (step >= 100) secondPeak = Math.max(secondPeak, rss);
        }
        assertTrue(last < first, "the loop trains: " + first + " -> " + last);
        assertTrue(secondPeak - firstPeak < NativeMemory.GROWTH_BYTES / 1024,
                "RSS peak rose from " + firstPeak / 1024 + " MB (steps 50-100) to " + secondPeak / 1024 + " MB (steps 100-200)");
    }

    static long rssKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
        throw new IllegalStateException("no VmRSS");
    }
}
