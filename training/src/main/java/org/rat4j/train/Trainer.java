package org.rat4j.train;

import org.rat4j.ratplus.RatPlusConfig;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.config.ConfigException;
import org.rat4j.block.MixerConfig;
import org.rat4j.model.ModelConfig;
import org.rat4j.data.tokenizer.ModelTokenizers;
import org.rat4j.data.tokenizer.Tokenizer;
import org.rat4j.io.ModelIO;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.model.TokenBatch;
import org.rat4j.train.config.ExperimentConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Trains the pure-SameDiff model (spec §5.2) from a {@link Run}: restores a resumed run's optimizer and data position,
 * then per iteration runs a {@link TrainingStep} (micro-batches, joint sparse/dense passes, clipping, the AdamW update
 * with the {@link LrSchedule}, divergence checks) and hands its outcome to a {@link RunRecorder} (metrics, validation,
 * log and progress, checkpoints, chart, and at the end {@code final/} and the sample text) on the intervals of the
 * {@code train:} section. The run holds the folder's {@link RunLock} throughout. {@link TrainingListener}s observe it.
 * A NaN or infinite loss or gradient norm stops the run before its update is applied, an update that blows the weights
 * up stops it before they are saved; the error names the last good checkpoint.
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
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

    /** Stops a run whose loss or gradients stopped being finite, or whose weights blew up. */
    public static final class DivergedException extends ConfigException {
        private static final long serialVersionUID = 1L;

        public DivergedException(String message) {
            super(message);
        }
    }

    private final Run run;
    private final RatLanguageModel model;
    private final AdamW optimizer;
    private final Checkpoints checkpoints;
    private final Listeners listeners = new Listeners();
    private final boolean joint;
    private boolean progressBar = true;

    public Trainer(Run run) {
        this.run = run;
        ExperimentConfig.OptimConfig oc = run.config().optim();
        this.model = run.model();
        this.optimizer = new AdamW(model.parameters(), oc.beta1(), oc.beta2(), oc.eps(), oc.weightDecay());
        this.checkpoints = new Checkpoints(run.runDir().resolve("checkpoints"), run.config().train().keepCheckpoints())
                .withTokenizer(ModelTokenizers.entry(run.tokenizer()));
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

    /** Adds a listener; listeners are called in the order they were added. */
    public Trainer listen(TrainingListener listener) {
        listeners.add(listener);
        return this;
    }

    public AdamW optimizer() {
        return optimizer;
    }

    /**
     * Trains under the run folder's {@link RunLock}, after removing what interrupted writes left there. A resumed run
     * whose steps are all done but whose {@code final/} is missing or incomplete writes {@code final/} from the
     * checkpoint and ends.
     */
    public Result run() throws IOException {
        Path runDir = run.runDir();
        try (RunLock lock = RunLock.acquire(runDir); RunLogging logging = RunLogging.start(runDir, !progressBar)) {
            assert logging != null && lock != null;
            RunFolder.removeUnfinishedWrites(runDir, checkpoints);
            checkpoints.logIncomplete();
            return train();
        }
    }

    private Result train() throws IOException {
        ExperimentConfig.TrainSettings ts = run.config().train();
        ExperimentConfig.OptimConfig oc = run.config().optim();
        int total = ts.steps();
        RunRecorder recorder = new RunRecorder(run, optimizer, checkpoints, listeners, joint, progressBar);
        int step = 0;
        Checkpoints.Loaded ck = run.resumeFrom();
        if (ck != null) {
            optimizer.restore(ck.firstMoments(), ck.secondMoments(), ck.state().optimizerSteps());
            run.train().restore(ck.state().data());
            step = ck.state().step();
            recorder.startFrom(ck);
            if (step >= total) return completeFinal(ck, recorder);
            LOG.info("resumed from {} at step {} ({} tokens seen)", ck.dir(), step, ck.state().tokensSeen());
        } else {
            recorder.startFresh();
        }
        LrSchedule schedule = new LrSchedule(oc.lr(), oc.minLr(), oc.warmupFor(total), total);
        recorder.begin(step, schedule);
        TrainingStep iteration = new TrainingStep(model, optimizer, run.train(), ts.accumulation(), oc.gradClip(), joint, ts.gcEvery());
        int seqLen = run.train().seqLen();
        try (recorder) {
            if (step == 0 && recorder.validateAtStart()) GraphSessions.reset(model, seqLen, joint);
            while (step < total) {
                listeners.beforeStep(step, model);
                listeners.phase(TrainingListener.Phase.STEP, step);
                long t0 = System.nanoTime();
                double lr = schedule.at(step);
                TrainingStep.Outcome outcome;
                try {
                    outcome = iteration.run(lr);
                } catch (TrainingStep.Unstable u) {
                    throw recorder.diverged(step + 1, lr, u);
                }
                step++;
                // After a validation or a checkpoint: their garbage is freed before the next step allocates, and what
                // SameDiff's sessions accumulated is dropped (GraphSessions), so memory stays flat over a long run.
                if (recorder.record(step, lr, outcome, (System.nanoTime() - t0) / 1e9) && step < total) {
                    GraphSessions.reset(model, seqLen, joint);
                }
                if (!listeners.continueAfter(step)) return recorder.stopped(step);
            }
        }
        return recorder.finish(step);
    }

    /**
     * A resume of a run whose steps are done. If {@code final/} holds the checkpoint's model there is nothing to do; if
     * it is missing or does not match (the run was killed or the disk filled while it was written) and the checkpoint is
     * the run's newest, {@code final/} is written from it, so "continue with --resume" works after any interruption.
     */
    private Result completeFinal(Checkpoints.Loaded ck, RunRecorder recorder) throws IOException {
        int step = ck.state().step();
        int total = run.config().train().steps();
        Path finalDir = run.runDir().resolve(FINAL_DIR);
        List<Path> all = checkpoints.list();
        boolean newest = !all.isEmpty() && Checkpoints.stepOf(all.get(all.size() - 1)) == step;
        if (!newest || holds(finalDir, model)) {
            throw new ConfigException("the checkpoint " + ck.dir() + " is at step " + step + ", which is already train.steps = "
                    + total + "; raise train.steps to train further (e.g. train.steps=" + (total * 2) + ")");
        }
        LOG.warn("the run's {} steps are done but {} is {}; writing it from {}", step, finalDir,
                Files.exists(finalDir) ? "incomplete" : "missing", ck.dir());
        return recorder.finish(step);
    }

    /**
     * Whether the model directory {@code dir} holds exactly {@code model}: the same config and every parameter equal.
     * A missing or damaged directory does not. The weights are compared, not the files' bytes: the safetensors header
     * lists its metadata in the order of a {@code Map.of}, which changes from one JVM to the next.
     */
    static boolean holds(Path dir, RatLanguageModel model) {
        if (!Files.isRegularFile(dir.resolve(ModelIO.CONFIG))) return false;
        try {
            RatLanguageModel stored = ModelIO.load(dir, model.dataType());
            if (!stored.config().equals(model.config())) return false;
            for (Map.Entry<String, INDArray> e : model.parameters().entrySet()) {
                INDArray s = stored.parameters().get(e.getKey());
                if (s == null || !Arrays.equals(s.shape(), e.getValue().shape())
                        || s.sub(e.getValue()).amaxNumber().doubleValue() != 0) {
                    return false;
                }
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
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

}
