package org.rat4j.train.parallel;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.rat4j.config.ConfigException;
import org.rat4j.io.ModelIO;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.train.ParallelRuns;
import org.rat4j.train.Trainer;
import org.rat4j.train.config.ExperimentConfig;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * ParallelWrapper with 2 workers on the CPU backend, in both modes, reaches a validation loss comparable to one
 * worker trained on the same data with the same global batch.
 */
class ParallelWrapperTest {
    static final String[] COMMON = {"train.steps=40", "train.batch_size=8", "optim.lr=0.01", "train.eval_every=20"};

    @Test
    void twoWorkersMatchOneWorkerInBothModes(@TempDir Path dir) throws Exception {
        ExperimentConfig single = ParallelRuns.config(dir.resolve("single"), COMMON, "train.micro_batch=8");
        Trainer.Run s = ParallelRuns.run(single);
        double initial = Trainer.evaluate(s.model(), s.valid());
        Trainer.Result one = new Trainer(s).progressBar(false).run();

        ExperimentConfig shared = ParallelRuns.config(dir.resolve("shared"), COMMON, "train.micro_batch=4",
                "parallel.mode=shared_gradients", "parallel.workers=2");
        ParallelTraining.Result sg = new ParallelTraining(ParallelRuns.run(shared)).run();

        ExperimentConfig avg = ParallelRuns.config(dir.resolve("avg"), COMMON, "train.micro_batch=4",
                "parallel.mode=averaging", "parallel.workers=2", "parallel.averaging_frequency=2");
        ParallelTraining.Result av = new ParallelTraining(ParallelRuns.run(avg)).run();

        System.err.printf("validation loss: initial %.4f, 1 worker %.4f, 2 workers shared gradients %.4f, 2 workers averaging %.4f%n",
                initial, one.valLoss(), sg.valLoss(), av.valLoss());
        assertTrue(one.valLoss() < initial - 0.5, "single worker learns: " + initial + " -> " + one.valLoss());
        for (ParallelTraining.Result r : new ParallelTraining.Result[]{sg, av}) {
            assertTrue(r.valLoss() < initial - 0.5, "2 workers learn: " + initial + " -> " + r.valLoss());
            assertEquals(one.valLoss(), r.valLoss(), 0.25 * (initial - one.valLoss()),
                    "2 workers reach a loss comparable to 1 worker");
            assertTrue(Files.isRegularFile(r.finalModel().resolve("model.safetensors")));
            RatLanguageModel back = ModelIO.load(r.finalModel(), DataType.FLOAT);
            assertEquals(r.valLoss(), Trainer.evaluate(back, ParallelRuns.run(avg).valid()), 1e-4, "the saved model is the trained one");
        }
        assertTrue(Files.isRegularFile(dir.resolve("shared/metrics.csv")));
        assertTrue(Files.isRegularFile(dir.resolve("avg/loss.png")));
    }

    @Test
    void theGlobalBatchMustSplitOverTheWorkers(@TempDir Path dir) {
        ExperimentConfig c = ParallelRuns.config(dir, COMMON, "train.micro_batch=8", "parallel.mode=averaging", "parallel.workers=2");
        ConfigException e = assertThrows(ConfigException.class, () -> new ParallelTraining(ParallelRuns.run(c)));
        assertTrue(e.getMessage().contains("set train.micro_batch=4"), e.getMessage());
    }
}
