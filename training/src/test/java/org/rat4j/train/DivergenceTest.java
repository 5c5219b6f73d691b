package org.rat4j.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.train.config.ExperimentConfig;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** A NaN or infinite loss stops the run with a message; the last good checkpoint stays and holds finite weights. */
class DivergenceTest {
    @Test
    void nanLossStopsAndKeepsTheLastGoodCheckpoint(@TempDir Path dir) throws Exception {
        ExperimentConfig cfg = TestRuns.config(TestRuns.rat(), dir, "train.steps=10", "train.checkpoint_every=2");
        Trainer t = new Trainer(TestRuns.run(cfg)).progressBar(false).listen(TestRuns.beforeStep((step, model) -> {
            if (step == 5) model.parameters().get("backbone.layers.0.hidden_layer.fc1.weight").putScalar(0, Float.NaN);
        }));
        Trainer.DivergedException e = assertThrows(Trainer.DivergedException.class, t::run);
        assertTrue(e.getMessage().startsWith("the loss became NaN at step 6"), e.getMessage());
        assertTrue(e.getMessage().contains("step-0000004"), e.getMessage());
        assertTrue(e.getMessage().contains("Lower optim.lr"), e.getMessage());
        Checkpoints c = new Checkpoints(dir.resolve("checkpoints"), 3);
        Path last = c.latestValid().orElseThrow();
        assertEquals("step-0000004", last.getFileName().toString());
        RatLanguageModel m = Checkpoints.load(last, DataType.FLOAT).model();
        for (INDArray a : m.parameters().values()) {
            for (double x : a.castTo(DataType.DOUBLE).reshape(-1).toDoubleVector()) assertTrue(Double.isFinite(x));
        }
        assertFalse(Files.exists(dir.resolve("final")));
        assertTrue(Files.readString(dir.resolve("metrics.csv")).lines().count() == 6, "metrics up to step 5 are kept");
    }

    @Test
    void infiniteLossStopsToo(@TempDir Path dir) throws Exception {
        ExperimentConfig cfg = TestRuns.config(TestRuns.rat(), dir, "train.steps=4");
        Trainer t = new Trainer(TestRuns.run(cfg)).progressBar(false).listen(TestRuns.beforeStep((step, model) -> {
            if (step == 1) model.parameters().get(RatLanguageModel.FINAL_NORM).assign(Float.POSITIVE_INFINITY);
        }));
        Trainer.DivergedException e = assertThrows(Trainer.DivergedException.class, t::run);
        assertTrue(e.getMessage().contains("at step 2"), e.getMessage());
        assertTrue(e.getMessage().contains("No checkpoint was written yet"), e.getMessage());
    }
}
