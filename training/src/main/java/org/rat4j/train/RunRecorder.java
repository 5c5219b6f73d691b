package org.rat4j.train;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.rat4j.config.ConfigException;
import org.rat4j.io.AtomicFiles;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.platform.RuntimeReport;
import org.rat4j.train.config.ExperimentConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Everything a run leaves besides the weights' updates: {@code metrics.csv}, validation, the log lines and the progress
 * bar, checkpoints, {@code loss.png}, and at the end {@code final/} and the sample text. It also knows the last good
 * checkpoint, which the messages of a failed run name. The {@link Trainer} calls it once per iteration.
 */
final class RunRecorder implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
    private static final Logger STEPS = LoggerFactory.getLogger(RunLogging.STEPS);

    private final Trainer.Run run;
    private final ExperimentConfig.TrainSettings ts;
    private final RatLanguageModel model;
    private final AdamW optimizer;
    private final Checkpoints checkpoints;
    private final TrainingListener listeners;
    private final MetricsLog metrics;
    private final boolean joint;
    private final boolean drawProgress;
    private final long tokensPerStep;
    private ProgressBar progress;
    private long tokens;
    private double elapsedBefore;
    private long startNanos;
    private double lastLoss = Double.NaN;
    private double lastVal = Double.NaN;
    private double tokPerSecEma = Double.NaN;
    /** The newest checkpoint known to hold sane weights (every checkpoint this run writes has passed the checks). */
    private Path lastGood;

    RunRecorder(Trainer.Run run, AdamW optimizer, Checkpoints checkpoints, TrainingListener listeners, boolean joint,
                boolean drawProgress) {
        this.run = run;
        this.ts = run.config().train();
        this.model = run.model();
        this.optimizer = optimizer;
        this.checkpoints = checkpoints;
        this.listeners = listeners;
        this.metrics = new MetricsLog(run.runDir());
        this.joint = joint;
        this.drawProgress = drawProgress;
        this.tokensPerStep = (long) ts.accumulation() * run.train().batchSize() * run.train().seqLen();
    }

    /** A new run: the metrics of an earlier one in the folder are dropped; the newest checkpoint there is the good one. */
    void startFresh() throws IOException {
        metrics.clear();
        List<Path> existing = checkpoints.list();
        lastGood = existing.isEmpty() ? null : existing.get(existing.size() - 1);
    }

    /** A resumed run: the metrics up to the checkpoint's step, its token count and time. */
    void startFrom(Checkpoints.Loaded ck) throws IOException {
        Checkpoints.State st = ck.state();
        tokens = st.tokensSeen();
        elapsedBefore = st.elapsedSeconds();
        lastGood = ck.dir();
        lastLoss = st.lastLoss();
        metrics.resumeUpTo(st.step());
        if (metrics.rows().size() != st.step()) {
            LOG.warn("{} holds {} rows up to the checkpoint's step {}: the loss curve has a gap", metrics.file(),
                    metrics.rows().size(), st.step());
        }
        if (!metrics.rows().isEmpty()) lastVal = metrics.rows().get(metrics.rows().size() - 1).valLoss();
        if (st.totalSteps() != ts.steps()) {
            LOG.warn("the checkpoint was written by a run of {} steps and this one has {}: the learning-rate schedule changes",
                    st.totalSteps(), ts.steps());
        }
    }

    /** Writes the config copy, logs what is trained on what, and starts the clock and the progress bar at {@code step}. */
    void begin(int step, LrSchedule schedule) throws IOException {
        AtomicFiles.writeString(run.runDir().resolve(Trainer.CONFIG_COPY), new org.yaml.snakeyaml.Yaml().dumpAsMap(run.config().tree()));
        ExperimentConfig.OptimConfig oc = run.config().optim();
        LOG.info("runtime: {}", RuntimeReport.collect().summary());
        LOG.info("model: {} parameters, {} layers, d_model {}, {}{}", String.format("%,d", model.parameterCount()),
                model.config().nLayers(), model.config().dModel(), model.config().describeMixers(),
                joint ? " (RAT+ joint training: a sparse and a dense update per batch)" : "");
        LOG.info("data: {}", run.train().describe());
        LOG.info("batch: {} sequences × {} tokens per step ({} micro-batch(es) of {}), {} steps, lr {} (warmup {} steps, cosine to {})",
                ts.batchSize(), run.train().seqLen(), ts.accumulation(), run.train().batchSize(), ts.steps(), oc.lr(),
                schedule.warmup(), oc.minLr());
        LOG.info("run folder: {}", run.runDir().toAbsolutePath());
        progress = drawProgress ? new ProgressBarBuilder().setTaskName("train").setInitialMax(ts.steps())
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err, 110))
                .setUpdateIntervalMillis(1000).startsFrom(step, Duration.ZERO).setUnit(" steps", 1).build() : null;
        startNanos = System.nanoTime();
    }

    /**
     * Validates the model as it is before the first step, when there are validation batches: the loss of an untrained
     * model (about ln V) is a check of its own, and the validation's first allocations happen during warm-up rather
     * than at the first {@code eval_every} step, where they showed as growth of the main job's memory after warm-up.
     * Its time is not counted as training time.
     *
     * @return whether it validated
     */
    boolean validateAtStart() {
        if (run.valid().isEmpty()) return false;
        validate(0);
        startNanos = System.nanoTime();
        return true;
    }

    private void validate(int step) {
        listeners.phase(TrainingListener.Phase.VALIDATION, step);
        lastVal = Trainer.evaluate(model, run.valid());
        STEPS.info(String.format(Locale.ROOT, "step %d: validation loss %.4f, perplexity %.2f", step, lastVal, Math.exp(lastVal)));
    }

    /**
     * Records iteration {@code step} (iterations done): its metrics row, then on its intervals the validation, the log
     * line, the progress bar, a checkpoint and the chart.
     *
     * @return whether it validated or wrote a checkpoint
     */
    boolean record(int step, double lr, TrainingStep.Outcome o, double seconds) throws IOException {
        int total = ts.steps();
        tokens += tokensPerStep;
        lastLoss = o.loss();
        double tps = tokensPerStep / seconds;
        tokPerSecEma = Double.isNaN(tokPerSecEma) ? tps : 0.8 * tokPerSecEma + 0.2 * tps;
        double elapsed = elapsed();
        double rss = ProcessMemory.rssMb();
        metrics.add(new MetricsLog.Row(step, tokens, lr, o.loss(), o.denseLoss(), o.gradNorm(), tps, elapsed, Double.NaN, Double.NaN, rss));

        boolean last = step == total;
        boolean validating = ((ts.evalEvery() > 0 && step % ts.evalEvery() == 0) || last) && !run.valid().isEmpty();
        if (validating) {
            validate(step);
            metrics.setLastValidation(lastVal);
        }
        if (ts.logEvery() > 0 && (step % ts.logEvery() == 0 || last || step == 1)) {
            STEPS.info(String.format(Locale.ROOT, "step %d/%d loss %.4f%s lr %.3g |g| %.3f %,.0f tok/s rss %.0f MB", step, total,
                    o.loss(), joint ? String.format(Locale.ROOT, " (dense %.4f)", o.denseLoss()) : "", lr, o.gradNorm(), tps, rss));
        }
        if (progress != null) {
            progress.stepTo(step);
            progress.setExtraMessage(String.format(Locale.ROOT, "loss %.3f%s %,.0f tok/s", o.loss(),
                    Double.isNaN(lastVal) ? "" : String.format(Locale.ROOT, " val %.3f", lastVal), tokPerSecEma));
        }
        boolean checkpointing = (ts.checkpointEvery() > 0 && step % ts.checkpointEvery() == 0) || last;
        if (checkpointing) {
            // The rows up to this step reach the disk before the checkpoint exists: a resume reads them back
            // (found by a real kill -9 between the checkpoint's rename and the flush: four rows went missing).
            metrics.flush();
            listeners.phase(TrainingListener.Phase.CHECKPOINT, step);
            lastGood = saveCheckpoint(step, elapsed, o.loss());
            LossChart.write(run.runDir().resolve(LossChart.FILE), metrics.rows(), chartTitle());
        } else if (step % Math.max(1, ts.logEvery()) == 0) {
            metrics.flush();
        }
        return validating || checkpointing;
    }

    private double elapsed() {
        return elapsedBefore + (System.nanoTime() - startNanos) / 1e9;
    }

    private Path saveCheckpoint(int step, double elapsed, double loss) {
        Map<String, String> tok = run.tokenizer() == null ? Map.of()
                : Map.of("id", run.tokenizer().id(), "sha256", run.tokenizer().hash());
        Checkpoints.State st = new Checkpoints.State(step, ts.steps(), optimizer.steps(), run.train().state(), tokens, elapsed, loss,
                tok, run.config().tree());
        try {
            Path p = checkpoints.save(model, optimizer, st, listeners::beforeCheckpointFile);
            LOG.debug("checkpoint {}", p);
            return p;
        } catch (IOException e) {
            throw writeFailed("checkpoint " + Checkpoints.name(step), e);
        }
    }

    /** The result of a run ended early by a listener, as if killed: no final model, no sample. */
    Trainer.Result stopped(int step) throws IOException {
        metrics.flush();
        return new Trainer.Result(step, lastLoss, lastVal, tokPerSecEma, elapsed(), null, lastGood, null, optimizer.steps());
    }

    /** Writes {@code final/}, logs the summary and generates the sample text. */
    Trainer.Result finish(int step) throws IOException {
        double trainSeconds = startNanos == 0 ? elapsedBefore : elapsed();
        Path finalDir = run.runDir().resolve(Trainer.FINAL_DIR);
        listeners.phase(TrainingListener.Phase.FINAL_MODEL, step);
        try {
            Checkpoints.saveModelDir(model, finalDir, checkpoints.tokenizer());
        } catch (IOException e) {
            throw writeFailed("the final model " + finalDir, e);
        }
        double avgTps = (double) tokens / Math.max(1e-9, trainSeconds);
        LOG.info(String.format(Locale.ROOT, "done: %d steps, %,d tokens in %.1f s (%,.0f tokens/s), last loss %.4f%s", step, tokens,
                trainSeconds, avgTps, lastLoss, Double.isNaN(lastVal) ? ""
                        : String.format(Locale.ROOT, ", validation loss %.4f (perplexity %.2f)", lastVal, Math.exp(lastVal))));
        LOG.info("final model: {} (use it with rat4j generate --model / rat4j score --model)", finalDir);
        listeners.phase(TrainingListener.Phase.SAMPLE, step);
        String text = TextSample.generate(model, run.tokenizer(), run.config().generate(), run.runDir());
        return new Trainer.Result(step, lastLoss, lastVal, avgTps, trainSeconds, finalDir, lastGood, text, optimizer.steps());
    }

    /** Draws the chart of the rows so far, if any; a failure only warns (the run's outcome does not depend on it). */
    private void drawChart() {
        if (metrics.rows().isEmpty()) return;
        try {
            LossChart.write(run.runDir().resolve(LossChart.FILE), metrics.rows(), chartTitle());
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not draw the loss chart: {}", e.getMessage());
        }
    }

    /** Closes the progress bar and leaves the metrics and the chart on disk, also when the run failed. */
    @Override
    public void close() throws IOException {
        if (progress != null) progress.close();
        progress = null;
        metrics.flush();
        drawChart();
    }

    private String chartTitle() {
        return "rat4j: " + run.runDir().getFileName();
    }

    /** The error for a failed write, naming the last good checkpoint and how to continue from it. */
    ConfigException writeFailed(String what, IOException e) {
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        boolean full = msg.toLowerCase(Locale.ROOT).contains("no space") || msg.toLowerCase(Locale.ROOT).contains("disk quota");
        return new ConfigException("could not write " + what + ": " + msg + (full ? " (the disk is full)" : "") + ". "
                + (lastGood == null ? "No earlier checkpoint exists."
                : "The last good checkpoint " + lastGood + " is intact; free disk space and continue with: rat4j train --resume "
                + run.runDir()), e);
    }

    /** The error for iteration {@code step} (from 1) stopped by {@code u}, naming the last good checkpoint. */
    Trainer.DivergedException diverged(int step, double lr, TrainingStep.Unstable u) {
        String at = " at step " + step + " (lr " + String.format(Locale.ROOT, "%.3g", lr) + ")";
        String what = u.applied ? "the weights blew up" + at + ": " + u.getMessage() + "; training stopped without saving them. "
                : u.getMessage() + at + "; training stopped before applying that update. ";
        return new Trainer.DivergedException(what
                + (lastGood == null ? "No checkpoint was written yet"
                : "The last good checkpoint is " + lastGood + " (continue from it with: rat4j train --resume " + lastGood
                + " optim.lr=LOWER)")
                + ". Lower optim.lr, lengthen optim.warmup or check the data.");
    }
}
