package org.rat4j.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.train.config.ExperimentConfig;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** A run of 2N steps equals a run of N steps resumed for N more: model, optimizer, schedule, data position. */
class ResumeTest {
    static void assertSameRun(ExperimentConfig full, ExperimentConfig part, int n) throws Exception {
        Trainer.Result a = new Trainer(TestRuns.run(full)).progressBar(false).run();

        Trainer first = new Trainer(TestRuns.run(part)).progressBar(false).listen(TestRuns.stopAfter(n));
        Trainer.Result half = first.run();
        assertEquals(n, half.steps());
        assertNull(half.finalModel(), "a stopped run writes no final model");
        Trainer.Result b = new Trainer(TestRuns.resume(part)).progressBar(false).run();

        assertEquals(2 * n, b.steps());
        assertEquals(a.lastLoss(), b.lastLoss(), 1e-6);
        assertEquals(a.valLoss(), b.valLoss(), 1e-6);
        assertEquals(a.optimizerSteps(), b.optimizerSteps());
        // The per-step loss curves agree, including the resumed half.
        List<MetricsLog.Row> ra = readRows(Path.of(full.train().runDir()));
        List<MetricsLog.Row> rb = readRows(Path.of(part.train().runDir()));
        assertEquals(2 * n, ra.size());
        assertEquals(2 * n, rb.size());
        for (int i = 0; i < ra.size(); i++) {
            assertEquals(ra.get(i).step(), rb.get(i).step());
            assertEquals(ra.get(i).loss(), rb.get(i).loss(), 1e-6, "loss at step " + (i + 1));
            assertEquals(ra.get(i).lr(), rb.get(i).lr(), 1e-12);
        }
        // and so do the final weights
        Map<String, INDArray> wa = org.rat4j.io.ModelIO.load(a.finalModel(), org.nd4j.linalg.api.buffer.DataType.FLOAT).parameters();
        Map<String, INDArray> wb = org.rat4j.io.ModelIO.load(b.finalModel(), org.nd4j.linalg.api.buffer.DataType.FLOAT).parameters();
        for (String k : wa.keySet()) assertEquals(0.0, wa.get(k).sub(wb.get(k)).amaxNumber().doubleValue(), 1e-6, k);
    }

    static List<MetricsLog.Row> readRows(Path runDir) throws Exception {
        MetricsLog m = new MetricsLog(runDir);
        m.loadUpTo(Integer.MAX_VALUE);
        return m.rows();
    }

    @Test
    void ratRunResumedHalfwayEndsWithTheSameLoss(@TempDir Path dir) throws Exception {
        assertSameRun(TestRuns.config(TestRuns.rat(), dir.resolve("full")), TestRuns.config(TestRuns.rat(), dir.resolve("part")), 5);
    }

    @Test
    void ratPlusJointTrainingWithAccumulationResumesExactly(@TempDir Path dir) throws Exception {
        String[] o = {"train.batch_size=4", "train.micro_batch=2", "train.steps=6", "train.checkpoint_every=3"};
        ExperimentConfig full = TestRuns.config(TestRuns.ratPlusJoint(), dir.resolve("full"), o);
        ExperimentConfig part = TestRuns.config(TestRuns.ratPlusJoint(), dir.resolve("part"), o);
        assertSameRun(full, part, 3);
        // Joint training: two AdamW updates per iteration.
        assertEquals(12, Checkpoints.load(new Checkpoints(dir.resolve("part/checkpoints"), 1).latestValid().orElseThrow(),
                org.nd4j.linalg.api.buffer.DataType.FLOAT).state().optimizerSteps());
    }
}
