package org.rat4j.train.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rat4j.train.ParallelRuns;
import org.rat4j.train.Trainer;
import org.rat4j.train.config.ExperimentConfig;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** dl4j-spark in local[2] mode (mvn -Pspark test): both training masters train the rat4j model. */
class SparkTrainingTest {
    static final String[] COMMON = {"train.steps=40", "train.batch_size=8", "train.micro_batch=4", "optim.lr=0.01",
            "spark.batches=40"};

    static SparkTraining.Result spark(ExperimentConfig cfg) throws Exception {
        JavaSparkContext sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("rat4j-test"));
        try {
            return new SparkTraining(ParallelRuns.run(cfg), sc).run();
        } finally {
            sc.stop();
        }
    }

    @Test
    void parameterAveragingAndSharedTrainingInLocalMode(@TempDir Path dir) throws Exception {
        ExperimentConfig single = ParallelRuns.config(dir.resolve("single"), COMMON, "train.micro_batch=8");
        Trainer.Run s = ParallelRuns.run(single);
        double initial = Trainer.evaluate(s.model(), s.valid());
        Trainer.Result one = new Trainer(s).progressBar(false).run();

        SparkTraining.Result avg = spark(ParallelRuns.config(dir.resolve("avg"), COMMON, "spark.mode=averaging", "spark.averaging_frequency=2"));
        SparkTraining.Result shared = spark(ParallelRuns.config(dir.resolve("shared"), COMMON, "spark.mode=shared"));
        System.err.printf("validation loss: initial %.4f, single device %.4f, Spark local[2] averaging %.4f, shared %.4f%n",
                initial, one.valLoss(), avg.valLoss(), shared.valLoss());
        assertEquals(one.valLoss(), avg.valLoss(), 0.35 * (initial - one.valLoss()), "parameter averaging reaches a comparable loss");
        assertTrue(shared.valLoss() < initial - 0.5, "shared training lowers the loss: " + initial + " -> " + shared.valLoss());
        assertTrue(Files.isRegularFile(avg.finalModel().resolve("model.safetensors")));
        assertTrue(Files.isRegularFile(dir.resolve("avg/metrics.csv")));
    }
}
