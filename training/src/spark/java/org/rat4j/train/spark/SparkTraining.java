package org.rat4j.train.spark;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.AdaptiveThresholdAlgorithm;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;
import org.rat4j.data.tokenizer.ModelTokenizers;
import org.rat4j.dl4j.Dl4jFormat;
import org.rat4j.dl4j.LanguageModelLayer;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.train.*;
import org.rat4j.train.config.ExperimentConfig;
import org.rat4j.train.parallel.ParallelTraining;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Training on a Spark cluster with dl4j-spark: the model's DL4J form ({@link ParallelTraining#network}, one
 * {@link LanguageModelLayer}) in a {@link SparkComputationGraph}, with
 * <ul>
 *   <li>{@code spark.mode: averaging}: {@link ParameterAveragingTrainingMaster}: each worker fits its partition and
 *       the driver averages parameters and Adam states every {@code averaging_frequency} minibatches;</li>
 *   <li>{@code spark.mode: shared}: {@link SharedTrainingMaster}: workers exchange threshold-encoded updates over
 *       Aeron UDP ({@code spark.port}, 40123, on {@code spark.controller_address}).</li>
 * </ul>
 * The driver reads the data (the same shards and order as {@code rat4j train}) and distributes it in rounds of
 * {@code spark.batches} micro-batches of {@code train.micro_batch} sequences; the run covers as many sequences as the
 * single-device run ({@code train.steps × train.batch_size}). After each round it evaluates, writes
 * {@code metrics.csv} and {@code loss.png}; at the end it saves {@code final/} and generates text.
 */
public final class SparkTraining {
    private static final Logger LOG = LoggerFactory.getLogger(SparkTraining.class);

    /** What a run did. */
    public record Result(int rounds, double lastScore, double valLoss, double tokensPerSecond, Path finalModel) {
    }

    private final Trainer.Run run;
    private final JavaSparkContext sc;

    public SparkTraining(Trainer.Run run, JavaSparkContext sc) {
        this.run = run;
        this.sc = sc;
    }

    public Result run() throws IOException {
        ExperimentConfig cfg = run.config();
        ExperimentConfig.TrainSettings ts = cfg.train();
        ExperimentConfig.SparkSettings ss = cfg.spark();
        Path runDir = run.runDir();
        Files.createDirectories(runDir);
        try (RunLogging logging = RunLogging.start(runDir, true)) {
            assert logging != null;
            int workers = Math.max(1, sc.defaultParallelism());
            long microBatches = (long) ts.steps() * ts.batchSize() / run.train().batchSize();
            int perWorkerIterations = (int) Math.max(1, microBatches / workers);
            DataType type = run.model().dataType();
            ComputationGraph net = ParallelTraining.network(run.model().config(), cfg.optim(), perWorkerIterations, ts.seed(), type);
            LanguageModelLayer.copyFrom(run.model(), Dl4jFormat.layerParams(net));
            TrainingMaster<?, ?> tm = trainingMaster(cfg, run.train().batchSize(), sc.master());
            SparkComputationGraph sparkNet = new SparkComputationGraph(sc, net, tm);
            LOG.info("Spark ({} training master) on {} workers: {} micro-batches of {} × {} tokens in rounds of {}",
                    ss.mode(), workers, microBatches, run.train().batchSize(), run.train().seqLen(), ss.batches());
            MetricsLog metrics = new MetricsLog(runDir);
            long tokensPerBatch = (long) run.train().batchSize() * run.train().seqLen();
            long done = 0;
            int round = 0;
            double lastVal = Double.NaN;
            double score = Double.NaN;
            long t0 = System.nanoTime();
            // SharedTrainingMaster stops updating the driver's network after its first fit() in a JVM (measured in
            // local[2]: the second round left every weight unchanged), so shared mode distributes everything at once.
            long round0 = ss.mode().equals("shared") ? microBatches : ss.batches();
            if (ss.mode().equals("shared") && microBatches > ss.batches()) {
                LOG.info("shared mode: all {} micro-batches in one round (validation at the end only)", microBatches);
            }
            int eos = run.model().config().eosId();
            while (done < microBatches) {
                int n = (int) Math.min(round0, microBatches - done);
                List<DataSet> data = new ArrayList<>(n);
                for (int i = 0; i < n; i++) data.add(Dl4jFormat.dataSet(run.train().next(), eos, DataType.FLOAT));
                JavaRDD<DataSet> rdd = sc.parallelize(data, workers);
                long r0 = System.nanoTime();
                sparkNet.fit(rdd);
                double secs = (System.nanoTime() - r0) / 1e9;
                done += n;
                round++;
                score = sparkNet.getScore();
                RatLanguageModel m = Dl4jFormat.fromComputationGraph(sparkNet.getNetwork(), type);
                double trainLoss = Trainer.evaluate(m, List.of(rebuild(data.get(data.size() - 1))));
                if (!run.valid().isEmpty()) lastVal = Trainer.evaluate(m, run.valid());
                metrics.add(new MetricsLog.Row(round, done * tokensPerBatch, Double.NaN, trainLoss, Double.NaN, Double.NaN,
                        n * tokensPerBatch / secs, (System.nanoTime() - t0) / 1e9, lastVal, Math.exp(lastVal), ProcessMemory.rssMb()));
                metrics.flush();
                LossChart.write(runDir.resolve(LossChart.FILE), metrics.rows(), "rat4j on Spark (" + ss.mode() + "): " + runDir.getFileName());
                LOG.info(String.format(Locale.ROOT, "round %d: %d/%d micro-batches, loss of the last batch %.4f, validation loss %.4f, %,.0f tokens/s",
                        round, done, microBatches, trainLoss, lastVal, n * tokensPerBatch / secs));
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            tm.deleteTempFiles(sc);
            RatLanguageModel trained = Dl4jFormat.fromComputationGraph(sparkNet.getNetwork(), type);
            Path finalDir = runDir.resolve(Trainer.FINAL_DIR);
            Checkpoints.saveModelDir(trained, finalDir, ModelTokenizers.entry(run.tokenizer()));
            TextSample.generate(trained, run.tokenizer(), cfg.generate(), runDir);
            double tps = done * tokensPerBatch / seconds;
            LOG.info(String.format(Locale.ROOT, "done: %d rounds in %.1f s (%,.0f tokens/s), validation loss %.4f; final model %s",
                    round, seconds, tps, lastVal, finalDir));
            return new Result(round, score, lastVal, tps, finalDir);
        }
    }

    private static org.rat4j.model.TokenBatch rebuild(DataSet ds) {
        INDArray f = ds.getFeatures();
        INDArray l = ds.getLabels();
        int b = (int) f.size(0);
        int t = (int) f.size(2);
        int[][] in = new int[b][t];
        int[][] out = new int[b][t];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                in[i][j] = f.getInt(i, 0, j);
                out[i][j] = l.getInt(i, 0, j);
            }
        }
        return new org.rat4j.model.TokenBatch(in, out);
    }

    static TrainingMaster<?, ?> trainingMaster(ExperimentConfig cfg, int batchPerWorker, String master) {
        ExperimentConfig.SparkSettings ss = cfg.spark();
        if (ss.mode().equals("averaging")) {
            return new ParameterAveragingTrainingMaster.Builder(batchPerWorker).batchSizePerWorker(batchPerWorker)
                    .averagingFrequency(ss.averagingFrequency()).workerPrefetchNumBatches(0).saveUpdater(true).build();
        }
        VoidConfiguration vc = VoidConfiguration.builder().unicastPort(ss.port()).build();
        String address = ss.controllerAddress() != null ? ss.controllerAddress() : master.startsWith("local") ? "127.0.0.1" : null;
        if (address != null) vc.setControllerAddress(address);
        return new SharedTrainingMaster.Builder(vc, batchPerWorker).batchSizePerWorker(batchPerWorker).workersPerNode(1)
                .thresholdAlgorithm(new AdaptiveThresholdAlgorithm(cfg.parallel().threshold() > 0 ? cfg.parallel().threshold() : cfg.optim().lr()))
                .build();
    }
}
