package org.rat4j.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rat4j.train.config.ExperimentConfig;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * 200 training steps (with validations and checkpoints along the way) do not grow the process RSS: every
 * gradient set is closed and ND4J's native memory is released by the collections of gc_every.
 */
class MemoryTest {
    @Test
    void rssStaysFlatOver200Steps(@TempDir Path dir) throws Exception {
        ExperimentConfig cfg = TestRuns.config(TestRuns.rat(), dir, "train.steps=200", "train.checkpoint_every=50",
                "train.eval_every=50", "train.gc_every=1", "train.batch_size=4", "train.micro_batch=2");
        new Trainer(TestRuns.run(cfg)).progressBar(false).run();
        MetricsLog m = new MetricsLog(dir);
        m.loadUpTo(Integer.MAX_VALUE);
        List<MetricsLog.Row> rows = m.rows();
        assertEquals(200, rows.size());
        StringBuilder sb = new StringBuilder();
        for (int i = 9; i < 200; i += 10) sb.append(String.format(" %.0f", rows.get(i).rssMb()));
        System.err.println("RSS every 10 steps (MB):" + sb);
        // Warm-up: the first 100 steps build the training and validation graphs and write the first checkpoints.
        double early = mean(rows.subList(100, 125));
        double late = mean(rows.subList(175, 200));
        double peak = rows.subList(100, 200).stream().mapToDouble(MetricsLog.Row::rssMb).max().orElseThrow();
        System.err.printf("RSS mean of steps 101-125 %.1f MB, of steps 176-200 %.1f MB, peak %.1f MB%n", early, late, peak);
        assertTrue(early > 0, "VmRSS is readable");
        assertTrue(late - early < 32, "RSS grew by " + (late - early) + " MB over 75 steps");
        assertTrue(peak - rows.get(99).rssMb() < 160, "RSS peaked " + (peak - rows.get(99).rssMb()) + " MB above step 100");
    }

    private static double mean(List<MetricsLog.Row> rows) {
        return rows.stream().mapToDouble(MetricsLog.Row::rssMb).average().orElseThrow();
    }
}
