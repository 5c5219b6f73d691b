package org.rat4j.train.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.rat4j.cli.Console;
import org.rat4j.platform.Nd4jBackends;
import org.rat4j.config.ConfigException;
import org.rat4j.train.Trainer;
import org.rat4j.train.TrainingSetup;
import org.rat4j.train.config.ConfigComposer;
import org.rat4j.train.config.ExperimentConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The {@code spark-submit} entry point (build with {@code mvn -Pspark package}):
 * <pre>
 *   spark-submit --class org.rat4j.train.spark.SparkTrain [spark options] rat4j-training.jar \
 *       --config configs/experiment/tiny-rat-spark.yaml [key=value ...]
 * </pre>
 * The master comes from spark-submit, or from {@code spark.master} of the config when run directly with java.
 */
public final class SparkTrain {
    private SparkTrain() {
    }

    public static void main(String[] args) throws Exception {
        Console.captureStdout();
        try {
            Nd4jBackends.select();
            System.exit(run(args));
        } catch (ConfigException | Nd4jBackends.UnsupportedPlatformException e) {
            System.err.println("rat4j spark: error: " + e.getMessage());
            System.exit(2);
        }
    }

    static int run(String[] args) throws Exception {
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        int i = rest.indexOf("--config");
        if (i < 0 || i + 1 >= rest.size()) {
            throw new ConfigException("usage: SparkTrain --config configs/experiment/NAME.yaml [key=value ...]");
        }
        Path file = ConfigComposer.locate(rest.get(i + 1));
        rest.remove(i + 1);
        rest.remove(i);
        ExperimentConfig cfg = ExperimentConfig.load(file, rest);
        SparkConf conf = new SparkConf().setAppName("rat4j " + file.getFileName());
        if (!conf.contains("spark.master")) conf.setMaster(cfg.spark().master());
        JavaSparkContext sc = new JavaSparkContext(conf);
        try {
            Trainer.Run run = TrainingSetup.prepare(cfg, null, false);
            SparkTraining.Result r = new SparkTraining(run, sc).run();
            Console.stdout().printf(Locale.ROOT, "trained on Spark (%s, %s): %d rounds, validation loss %.4f, perplexity %.2f, %,.0f tokens/s; model in %s%n",
                    cfg.spark().mode(), sc.master(), r.rounds(), r.valLoss(), Math.exp(r.valLoss()), r.tokensPerSecond(), r.finalModel());
        } finally {
            sc.stop();
        }
        return 0;
    }
}
