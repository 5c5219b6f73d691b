package org.rat4j.train.parallel;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.parallelism.ParallelWrapper;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.rat4j.config.ConfigException;
import org.rat4j.data.iter.TokenBatchIterator;
import org.rat4j.dl4j.Dl4jFormat;
import org.rat4j.model.ModelConfig;
import org.rat4j.data.tokenizer.ModelTokenizers;
import org.rat4j.dl4j.LanguageModelLayer;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.train.*;
import org.rat4j.train.config.ExperimentConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Training on several devices of one machine with DL4J's {@link ParallelWrapper}, which accepts only
 * {@code MultiLayerNetwork}/{@code ComputationGraph}: the model runs in its DL4J form, a ComputationGraph holding one
 * {@link LanguageModelLayer} (an output layer, gradient-checked exact, so the SameDiffLayer gradient doubling does not
 * arise). One worker per device; each takes {@code batch_size / workers} sequences per iteration.
 * <ul>
 *   <li>{@code shared_gradients}: workers exchange threshold-encoded updates after every iteration
 *       ({@code EncodedGradientsAccumulator}); replicas stay (nearly) identical;</li>
 *   <li>{@code averaging}: workers train independently and their parameters (and Adam states) are averaged every
 *       {@code averaging_frequency} iterations.</li>
 * </ul>
 * The recipe is the same as the single-device loop: Adam with decoupled weight decay ({@code WeightDecay(wd,
 * applyLR=true)}, applied after the updater), the warmup + cosine schedule ({@link WarmupCosineSchedule}) and
 * gradient-norm clipping ({@code ClipL2PerLayer}, which is a global clip here because the whole model is one layer).
 */
public final class ParallelTraining {
    private static final Logger LOG = LoggerFactory.getLogger(ParallelTraining.class);
    private static final Logger STEPS = LoggerFactory.getLogger(RunLogging.STEPS);

    /** What a run did. */
    public record Result(int steps, double lastLoss, double valLoss, double tokensPerSecond, Path finalModel, RatLanguageModel model) {
    }

    private final Trainer.Run run;
    private boolean progressBar;

    public ParallelTraining(ExperimentConfig cfg) throws IOException {
        this(TrainingSetup.prepare(checkBatch(cfg), null, false));
    }

    public ParallelTraining(Trainer.Run run) {
        checkBatch(run.config());
        this.run = run;
    }

    public ParallelTraining progressBar(boolean on) {
        this.progressBar = on;
        return this;
    }

    private static ExperimentConfig checkBatch(ExperimentConfig cfg) {
        ExperimentConfig.TrainSettings t = cfg.train();
        int w = cfg.parallel().workers();
        if (t.batchSize() != w * t.microBatch()) {
            throw new ConfigException("with parallel.workers=" + w + " each worker takes train.micro_batch sequences per iteration, so "
                    + "train.batch_size (" + t.batchSize() + ") must equal workers × micro_batch (" + w * t.microBatch() + ")"
                    + (t.batchSize() % w == 0 ? "; set train.micro_batch=" + t.batchSize() / w : ""));
        }
        return cfg;
    }

    /** The DL4J form of a model with the reference optimiser recipe. */
    public static ComputationGraph network(ModelConfig model, ExperimentConfig.OptimConfig oc, int totalSteps, long seed, DataType type) {
        WarmupCosineSchedule schedule = new WarmupCosineSchedule(oc.lr(), oc.minLr(), oc.warmupFor(totalSteps), totalSteps);
        NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder()
                .seed(seed).dataType(type)
                .updater(Adam.builder().learningRateSchedule(schedule).beta1(oc.beta1()).beta2(oc.beta2()).epsilon(oc.eps()).build())
                .weightDecay(oc.weightDecay(), true);
        if (oc.gradClip() > 0) {
            b.gradientNormalization(GradientNormalization.ClipL2PerLayer).gradientNormalizationThreshold(oc.gradClip());
        }
        return Dl4jFormat.graph(model, b);
    }

    /** Records every worker's score per iteration. */
    static final class ScoreRecorder extends BaseTrainingListener {
        final ConcurrentMap<Integer, List<Double>> scores = new ConcurrentHashMap<>();

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            scores.computeIfAbsent(iteration, k -> Collections.synchronizedList(new ArrayList<>())).add(model.score());
        }
    }

    public Result run() throws IOException {
        ExperimentConfig cfg = run.config();
        ExperimentConfig.TrainSettings ts = cfg.train();
        ExperimentConfig.ParallelSettings ps = cfg.parallel();
        Path runDir = run.runDir();
        Files.createDirectories(runDir);
        try (RunLogging logging = RunLogging.start(runDir, true)) {
            assert logging != null;
            if (Trainer.isJoint(run.model().config())) {
                LOG.warn("RAT+ joint training (two updates per batch) runs only in the single-device loop; ParallelWrapper "
                        + "trains with the model's sparse pattern");
            }
            DataType type = run.model().dataType();
            ComputationGraph net = network(run.model().config(), cfg.optim(), ts.steps(), ts.seed(), type);
            LanguageModelLayer.copyFrom(run.model(), Dl4jFormat.layerParams(net));
            ScoreRecorder recorder = new ScoreRecorder();
            net.setListeners(recorder);
            ParallelWrapper.TrainingMode mode = ps.mode().equals("averaging") ? ParallelWrapper.TrainingMode.AVERAGING
                    : ParallelWrapper.TrainingMode.SHARED_GRADIENTS;
            ParallelWrapper.Builder<ComputationGraph> pwb = new ParallelWrapper.Builder<>(net)
                    .workers(ps.workers()).prefetchBuffer(ps.prefetch()).trainingMode(mode)
                    .averagingFrequency(ps.averagingFrequency()).reportScoreAfterAveraging(false);
            if (mode == ParallelWrapper.TrainingMode.AVERAGING) pwb.averageUpdaters(true);
            else pwb.thresholdAlgorithm(new org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.AdaptiveThresholdAlgorithm(
                    ps.threshold() > 0 ? ps.threshold() : cfg.optim().lr()));
            ParallelWrapper pw = pwb.build();

            int total = ts.steps();
            int chunk = ts.evalEvery() > 0 ? ts.evalEvery() : total;
            long tokensPerStep = (long) ps.workers() * run.train().batchSize() * run.train().seqLen();
            LOG.info("ParallelWrapper ({}), {} workers × {} sequences × {} tokens per iteration, {} iterations; model {} parameters",
                    ps.mode(), ps.workers(), run.train().batchSize(), run.train().seqLen(), total, String.format("%,d", run.model().parameterCount()));
            MetricsLog metrics = new MetricsLog(runDir);
            double lastVal = Double.NaN;
            double lastLoss = Double.NaN;
            long t0 = System.nanoTime();
            int done = 0;
            while (done < total) {
                int n = Math.min(chunk, total - done);
                long c0 = System.nanoTime();
                pw.fit(new TokenBatchIterator(run.train()::next, n * ps.workers(), run.train().batchSize(),
                        run.model().config().eosId()));
                double secs = (System.nanoTime() - c0) / 1e9;
                double tps = n * tokensPerStep / secs;
                for (int i = done; i < done + n; i++) {
                    List<Double> s = recorder.scores.getOrDefault(i, List.of());
                    double loss = s.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
                    if (!Double.isFinite(loss) && !s.isEmpty()) {
                        throw new Trainer.DivergedException("the loss became " + loss + " at iteration " + (i + 1)
                                + " of ParallelWrapper training; lower optim.lr or lengthen optim.warmup");
                    }
                    lastLoss = Double.isNaN(loss) ? lastLoss : loss;
                    metrics.add(new MetricsLog.Row(i + 1, (i + 1) * tokensPerStep, new LrSchedule(cfg.optim().lr(), cfg.optim().minLr(),
                            cfg.optim().warmupFor(total), total).at(i), loss, Double.NaN, Double.NaN, tps,
                            (System.nanoTime() - t0) / 1e9, Double.NaN, Double.NaN, ProcessMemory.rssMb()));
                }
                done += n;
                if (!run.valid().isEmpty()) {
                    RatLanguageModel m = Dl4jFormat.fromComputationGraph(net, type);
                    lastVal = Trainer.evaluate(m, run.valid());
                    metrics.setLastValidation(lastVal);
                }
                STEPS.info(String.format(Locale.ROOT, "iteration %d/%d loss %.4f%s %,.0f tok/s", done, total, lastLoss,
                        Double.isNaN(lastVal) ? "" : String.format(Locale.ROOT, " validation loss %.4f (perplexity %.2f)", lastVal,
                                Math.exp(lastVal)), tps));
                metrics.flush();
                LossChart.write(runDir.resolve(LossChart.FILE), metrics.rows(), "rat4j ParallelWrapper (" + ps.mode() + ", "
                        + ps.workers() + " workers): " + runDir.getFileName());
            }
            pw.shutdown();
            double seconds = (System.nanoTime() - t0) / 1e9;
            RatLanguageModel trained = Dl4jFormat.fromComputationGraph(net, type);
            Path finalDir = runDir.resolve(Trainer.FINAL_DIR);
            Checkpoints.saveModelDir(trained, finalDir, ModelTokenizers.entry(run.tokenizer()));
            double tps = total * tokensPerStep / seconds;
            LOG.info(String.format(Locale.ROOT, "done: %d iterations in %.1f s (%,.0f tokens/s), last loss %.4f; final model %s", total,
                    seconds, tps, lastLoss, finalDir));
            TextSample.generate(trained, run.tokenizer(), cfg.generate(), runDir);
            return new Result(total, lastLoss, lastVal, tps, finalDir, trained);
        }
    }
}
