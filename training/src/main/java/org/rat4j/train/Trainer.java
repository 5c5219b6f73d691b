package org.rat4j.train;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rat4j.block.MixerConfig;
import org.rat4j.config.ConfigException;
import org.rat4j.block.MixerConfig;
import org.rat4j.model.ModelConfig;
import org.rat4j.data.tokenizer.ModelTokenizers;
import org.rat4j.data.tokenizer.Tokenizer;
import org.rat4j.io.AtomicFiles;
import org.rat4j.model.Gradients;
import org.rat4j.model.ModelConfig;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.model.TokenBatch;
import org.rat4j.platform.RuntimeReport;
import org.rat4j.ratplus.RatPlusConfig;
import org.rat4j.train.config.ExperimentConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.*;
import java.util.function.BiConsumer;

/**
 * The training loop of the pure-SameDiff model (spec §5.2): for each iteration, the global batch is split into
 * micro-batches whose gradients are averaged, clipped to a global norm, and applied by {@link AdamW} with the
 * {@link LrSchedule}; every gradient set is closed at once so native memory stays flat. RAT+ models with
 * {@code joint_train} make two updates per iteration on the same batch, first with the sparse pattern and then dense
 * (spec §3.3). Validation, checkpoints, the metrics CSV, the loss chart, the progress bar and the log follow the
 * intervals of the {@code train:} section; a NaN or infinite loss stops the run before the bad update is applied.
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
    private static final Logger STEPS = LoggerFactory.getLogger(RunLogging.STEPS);
    public static final String FINAL_DIR = "final";
    public static final String CONFIG_COPY = "config.yaml";

    /**
     * Everything a run needs, already built.
     *
     * @param config     the experiment config
     * @param model      the model to train (fresh, initialised from a checkpoint, or to be overwritten on resume)
     * @param train      training micro-batches
     * @param valid      validation batches (may be empty)
     * @param runDir     the run folder
     * @param tokenizer  for the text generated after training; null skips it
     * @param resumeFrom a checkpoint to continue exactly, or null
     */
    public record Run(ExperimentConfig config, RatLanguageModel model, BatchSource train, List<TokenBatch> valid, Path runDir,
                      Tokenizer tokenizer, Checkpoints.Loaded resumeFrom) {
    }

    /** What a run did. */
    public record Result(int steps, double lastLoss, double valLoss, double tokensPerSecond, double trainSeconds,
                         Path finalModel, Path lastCheckpoint, String generated, long optimizerSteps) {
        public double valPerplexity() {
            return Math.exp(valLoss);
        }
    }

    /** Stops a run whose loss or gradients stopped being finite. */
    public static final class DivergedException extends ConfigException {
        private static final long serialVersionUID = 1L;

        public DivergedException(String message) {
            super(message);
        }
    }

    private final Run run;
    private final ExperimentConfig.TrainSettings ts;
    private final ExperimentConfig.OptimConfig oc;
    private final RatLanguageModel model;
    private final AdamW optimizer;
    private final Checkpoints checkpoints;
    private final MetricsLog metrics;
    private final boolean joint;
    private boolean progressBar = true;

    // test hooks
    private int stopAfter = -1;
    private BiConsumer<Integer, RatLanguageModel> beforeStep = (s, m) -> { };

    public Trainer(Run run) {
        this.run = run;
        this.ts = run.config().train();
        this.oc = run.config().optim();
        this.model = run.model();
        this.optimizer = new AdamW(model.parameters(), oc.beta1(), oc.beta2(), oc.eps(), oc.weightDecay());
        this.checkpoints = new Checkpoints(run.runDir().resolve("checkpoints"), ts.keepCheckpoints())
                .withTokenizer(ModelTokenizers.entry(run.tokenizer()));
        this.metrics = new MetricsLog(run.runDir());
        this.joint = isJoint(model.config());
    }

    /** Whether a model is trained with two updates per batch, sparse then dense (RAT+ {@code joint_train}). */
    public static boolean isJoint(ModelConfig c) {
        for (MixerConfig m : c.interleaved() == null ? List.of(c.mixer()) : List.of(c.mixer(), c.interleaved())) {
            if (m instanceof RatPlusConfig rp && rp.jointTrain()) return true;
        }
        return false;
    }

    public Trainer progressBar(boolean on) {
        this.progressBar = on;
        return this;
    }

    /** Tests: return after this step as if the process had been killed (no final model, no generation). */
    public Trainer stopAfter(int step) {
        this.stopAfter = step;
        return this;
    }

    /** Tests: called before each iteration with its 0-based step. */
    public Trainer beforeStep(BiConsumer<Integer, RatLanguageModel> hook) {
        this.beforeStep = hook;
        return this;
    }

    public Checkpoints checkpoints() {
        return checkpoints;
    }

    public AdamW optimizer() {
        return optimizer;
    }

    public Result run() throws IOException {
        Path runDir = run.runDir();
        Files.createDirectories(runDir);
        try (RunLogging logging = RunLogging.start(runDir, !progressBar)) {
            assert logging != null;
            return loop();
        }
    }

    private Result loop() throws IOException {
        Path runDir = run.runDir();
        int total = ts.steps();
        checkpoints.removeUnfinished();
        int step = 0;
        long tokens = 0;
        double elapsedBefore = 0;
        if (run.resumeFrom() != null) {
            Checkpoints.Loaded ck = run.resumeFrom();
            Checkpoints.State st = ck.state();
            optimizer.restore(ck.firstMoments(), ck.secondMoments(), st.optimizerSteps());
            run.train().restore(st.data());
            step = st.step();
            tokens = st.tokensSeen();
            elapsedBefore = st.elapsedSeconds();
            metrics.loadUpTo(step);
            if (metrics.rows().size() != step) {
                LOG.warn("{} holds {} rows up to the checkpoint's step {}: the loss curve has a gap", metrics.file(),
                        metrics.rows().size(), step);
            }
            if (st.totalSteps() != total) {
                LOG.warn("the checkpoint was written by a run of {} steps and this one has {}: the learning-rate schedule changes",
                        st.totalSteps(), total);
            }
            if (step >= total) {
                throw new ConfigException("the checkpoint " + ck.dir() + " is at step " + step + ", which is already train.steps = "
                        + total + "; raise train.steps to train further (e.g. train.steps=" + (total * 2) + ")");
            }
            LOG.info("resumed from {} at step {} ({} tokens seen)", ck.dir(), step, tokens);
        } else {
            metrics.loadUpTo(-1);
        }
        AtomicFiles.writeString(runDir.resolve(CONFIG_COPY), new org.yaml.snakeyaml.Yaml().dumpAsMap(run.config().tree()));

        int accum = ts.accumulation();
        int microB = run.train().batchSize();
        int seqLen = run.train().seqLen();
        long tokensPerStep = (long) accum * microB * seqLen;
        LrSchedule schedule = new LrSchedule(oc.lr(), oc.minLr(), oc.warmupFor(total), total);
        LOG.info("runtime: {}", RuntimeReport.collect().summary());
        LOG.info("model: {} parameters, {} layers, d_model {}, {}{}", String.format("%,d", model.parameterCount()),
                model.config().nLayers(), model.config().dModel(), model.config().describeMixers(),
                joint ? " (RAT+ joint training: a sparse and a dense update per batch)" : "");
        LOG.info("data: {}", run.train().describe());
        LOG.info("batch: {} sequences × {} tokens per step ({} micro-batch(es) of {}), {} steps, lr {} (warmup {} steps, cosine to {})",
                ts.batchSize(), seqLen, accum, microB, total, oc.lr(), schedule.warmup(), oc.minLr());
        LOG.info("run folder: {}", runDir.toAbsolutePath());

        Map<String, INDArray> acc = accum > 1 ? zerosLike(model.parameters()) : null;
        ProgressBar pb = progressBar ? new ProgressBarBuilder().setTaskName("train").setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err, 110))
                .setUpdateIntervalMillis(1000).startsFrom(step, Duration.ZERO).setUnit(" steps", 1).build() : null;
        double lastLoss = Double.NaN;
        double lastVal = Double.NaN;
        double tokPerSecEma = Double.NaN;
        long startNanos = System.nanoTime();
        long micro = 0;
        Path lastCkpt = checkpoints.list().isEmpty() ? null : checkpoints.list().get(checkpoints.list().size() - 1);
        try {
            while (step < total) {
                beforeStep.accept(step, model);
                long t0 = System.nanoTime();
                double lr = schedule.at(step);
                List<TokenBatch> batches = new ArrayList<>(accum);
                for (int i = 0; i < accum; i++) batches.add(run.train().next());
                double[] passLoss = new double[joint ? 2 : 1];
                double gradNorm = 0;
                for (int pass = 0; pass < passLoss.length; pass++) {
                    boolean dense = pass == 1;
                    double lossSum = 0;
                    Gradients single = null;
                    for (TokenBatch b : batches) {
                        Gradients g = model.gradients(b, dense);
                        if (!Double.isFinite(g.loss())) {
                            g.close();
                            throw diverged(step, "loss", g.loss(), lr, lastCkpt);
                        }
                        lossSum += g.loss();
                        if (acc == null) {
                            single = g;
                        } else {
                            for (Map.Entry<String, INDArray> e : acc.entrySet()) e.getValue().addi(g.byName().get(e.getKey()));
                            g.close();
                            micro = maybeGc(micro);
                        }
                    }
                    Map<String, INDArray> grads = acc != null ? acc : single.byName();
                    try {
                        if (acc != null) for (INDArray a : acc.values()) a.divi(accum);
                        double norm = GradientClipping.clip(grads.values(), oc.gradClip());
                        if (!Double.isFinite(norm)) throw diverged(step, "gradient norm", norm, lr, lastCkpt);
                        if (pass == 0) gradNorm = norm;
                        optimizer.step(grads, lr);
                    } finally {
                        if (single != null) single.close();
                        if (acc != null) for (INDArray a : acc.values()) a.assign(0);
                    }
                    if (acc == null) micro = maybeGc(micro);
                    passLoss[pass] = lossSum / accum;
                }
                step++;
                tokens += tokensPerStep;
                lastLoss = passLoss[0];
                double secs = (System.nanoTime() - t0) / 1e9;
                double tps = tokensPerStep / secs;
                tokPerSecEma = Double.isNaN(tokPerSecEma) ? tps : 0.8 * tokPerSecEma + 0.2 * tps;
                double elapsed = elapsedBefore + (System.nanoTime() - startNanos) / 1e9;
                double rss = ProcessMemory.rssMb();
                metrics.add(new MetricsLog.Row(step, tokens, lr, passLoss[0], joint ? passLoss[1] : Double.NaN, gradNorm, tps, elapsed,
                        Double.NaN, Double.NaN, rss));

                boolean last = step == total;
                if ((ts.evalEvery() > 0 && step % ts.evalEvery() == 0) || last) {
                    if (!run.valid().isEmpty()) {
                        lastVal = evaluate(model, run.valid());
                        metrics.setLastValidation(lastVal);
                        STEPS.info(String.format(Locale.ROOT, "step %d: validation loss %.4f, perplexity %.2f", step, lastVal, Math.exp(lastVal)));
                    }
                }
                if (ts.logEvery() > 0 && (step % ts.logEvery() == 0 || last || step == 1)) {
                    STEPS.info(String.format(Locale.ROOT, "step %d/%d loss %.4f%s lr %.3g |g| %.3f %,.0f tok/s rss %.0f MB", step, total,
                            passLoss[0], joint ? String.format(Locale.ROOT, " (dense %.4f)", passLoss[1]) : "", lr, gradNorm, tps, rss));
                }
                if (pb != null) {
                    pb.stepTo(step);
                    pb.setExtraMessage(String.format(Locale.ROOT, "loss %.3f%s %,.0f tok/s", passLoss[0],
                            Double.isNaN(lastVal) ? "" : String.format(Locale.ROOT, " val %.3f", lastVal), tokPerSecEma));
                }
                if ((ts.checkpointEvery() > 0 && step % ts.checkpointEvery() == 0) || last) {
                    // The rows up to this step reach the disk before the checkpoint exists: a resume reads them back
                    // (found by a real kill -9 between the checkpoint's rename and the flush: four rows went missing).
                    metrics.flush();
                    lastCkpt = saveCheckpoint(step, total, tokens, elapsed, passLoss[0], lastCkpt);
                    LossChart.write(runDir.resolve(LossChart.FILE), metrics.rows(), chartTitle());
                } else if (step % Math.max(1, ts.logEvery()) == 0) {
                    metrics.flush();
                }
                if (step == stopAfter) {
                    metrics.flush();
                    return new Result(step, lastLoss, lastVal, tokPerSecEma, elapsed, null, lastCkpt, null, optimizer.steps());
                }
            }
        } finally {
            if (pb != null) pb.close();
            metrics.flush();
            if (!metrics.rows().isEmpty()) {
                try {
                    LossChart.write(runDir.resolve(LossChart.FILE), metrics.rows(), chartTitle());
                } catch (IOException | RuntimeException e) {
                    LOG.warn("could not draw the loss chart: {}", e.getMessage());
                }
            }
        }
        double trainSeconds = elapsedBefore + (System.nanoTime() - startNanos) / 1e9;
        Path finalDir = runDir.resolve(FINAL_DIR);
        try {
            Checkpoints.saveModelDir(model, finalDir, checkpoints.tokenizer());
        } catch (IOException e) {
            throw writeFailed("the final model " + finalDir, e, lastCkpt);
        }
        double avgTps = (double) tokens / Math.max(1e-9, trainSeconds);
        LOG.info(String.format(Locale.ROOT, "done: %d steps, %,d tokens in %.1f s (%,.0f tokens/s), last loss %.4f%s", step, tokens,
                trainSeconds, avgTps, lastLoss, Double.isNaN(lastVal) ? ""
                        : String.format(Locale.ROOT, ", validation loss %.4f (perplexity %.2f)", lastVal, Math.exp(lastVal))));
        LOG.info("final model: {} (use it with rat4j generate --model / rat4j score --model)", finalDir);
        String text = generate();
        return new Result(step, lastLoss, lastVal, avgTps, trainSeconds, finalDir, lastCkpt, text, optimizer.steps());
    }

    /** ND4J frees native memory only when Java collects the arrays' wrappers: collect every gc_every micro-batches. */
    private long maybeGc(long micro) {
        long n = micro + 1;
        if (ts.gcEvery() > 0 && n % ts.gcEvery() == 0) System.gc();
        return n;
    }

    private String chartTitle() {
        return "rat4j: " + run.runDir().getFileName();
    }

    private Path saveCheckpoint(int step, int total, long tokens, double elapsed, double loss, Path previous) {
        Map<String, String> tok = run.tokenizer() == null ? Map.of()
                : Map.of("id", run.tokenizer().id(), "sha256", run.tokenizer().hash());
        Checkpoints.State st = new Checkpoints.State(step, total, optimizer.steps(), run.train().state(), tokens, elapsed, loss, tok,
                run.config().tree());
        try {
            Path p = checkpoints.save(model, optimizer, st);
            LOG.debug("checkpoint {}", p);
            return p;
        } catch (IOException e) {
            throw writeFailed("checkpoint " + Checkpoints.name(step), e, previous);
        }
    }

    private ConfigException writeFailed(String what, IOException e, Path previous) {
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        boolean full = msg.toLowerCase(Locale.ROOT).contains("no space") || msg.toLowerCase(Locale.ROOT).contains("disk quota");
        return new ConfigException("could not write " + what + ": " + msg + (full ? " (the disk is full)" : "") + ". "
                + (previous == null ? "No earlier checkpoint exists."
                : "The last good checkpoint " + previous + " is intact; free disk space and continue with: rat4j train --resume "
                + run.runDir()), e);
    }

    private DivergedException diverged(int step, String what, double value, double lr, Path lastCkpt) {
        return new DivergedException("the " + what + " became " + value + " at step " + (step + 1) + " (lr " + String.format(Locale.ROOT, "%.3g", lr)
                + "); training stopped before applying that update. "
                + (lastCkpt == null ? "No checkpoint was written yet."
                : "The last good checkpoint is " + lastCkpt + " (resume it with --resume " + run.runDir() + ")")
                + ". Lower optim.lr, lengthen optim.warmup or check the data.");
    }

    /** Token-weighted mean loss over validation batches. */
    public static double evaluate(RatLanguageModel model, List<TokenBatch> batches) {
        double sum = 0;
        long count = 0;
        int eos = model.config().eosId();
        for (TokenBatch b : batches) {
            int c = b.countedTargets(eos);
            if (c == 0) continue;
            sum += model.loss(b) * c;
            count += c;
        }
        return count == 0 ? Double.NaN : sum / count;
    }

    private String generate() throws IOException {
        return TextSample.generate(model, run.tokenizer(), run.config().generate(), run.runDir());
    }

    private static Map<String, INDArray> zerosLike(Map<String, INDArray> params) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        params.forEach((n, a) -> m.put(n, Nd4j.zeros(a.dataType(), a.shape())));
        return m;
    }
}
