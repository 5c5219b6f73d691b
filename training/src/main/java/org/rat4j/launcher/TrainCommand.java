package org.rat4j.launcher;

import org.rat4j.cli.Subcommand;
import org.rat4j.cli.Console;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.rat4j.config.ConfigException;
import org.rat4j.train.Checkpoints;
import org.rat4j.train.RunLock;
import org.rat4j.train.Trainer;
import org.rat4j.train.TrainingListener;
import org.rat4j.train.TrainingSetup;
import org.rat4j.train.config.ConfigComposer;
import org.rat4j.train.config.ExperimentConfig;
import org.rat4j.train.parallel.ParallelTraining;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;

import static org.rat4j.cli.CliOptions.parse;

/**
 * {@code rat4j train}: trains a model from an experiment config ({@code configs/experiment/*.yaml} composed with
 * {@code configs/model}, {@code configs/optim}, {@code configs/data}), with {@code key=value} overrides; resumes a run
 * exactly with {@code --resume}. Pretraining, RAT+ joint training, resolution adaptation and SFT are all configs of
 * this command; {@code parallel.mode} trains on several devices with ParallelWrapper.
 */
public final class TrainCommand implements Subcommand {
    @Override
    public String name() {
        return "train";
    }

    @Override
    public String summary() {
        return "train a model from a config (pretraining, RAT+ joint/adaptation, SFT, multi-device); --resume continues";
    }

    @Override
    public int run(String[] args) throws Exception {
        Options o = new Options();
        o.addOption(Option.builder("c").longOpt("config").hasArg().argName("FILE|NAME")
                .desc("experiment config: a YAML file or a name in configs/experiment/ (e.g. tiny-rat)").build());
        o.addOption(Option.builder().longOpt("resume").hasArg().optionalArg(true).argName("RUN|CHECKPOINT")
                .desc("continue a run exactly from its newest checkpoint (or the given one); without --config the run's "
                        + "stored config is used").build());
        o.addOption(Option.builder().longOpt("no-progress").desc("log a line every train.log_every steps instead of a progress bar").build());
        o.addOption(Option.builder().longOpt("print-config").desc("print the composed config and exit").build());
        CommandLine cl = parse(name(), "Trains with AdamW, warmup + cosine, grad clipping and accumulation (spec §5.2). "
                + "Extra arguments are overrides: key=value (train.steps=100, model.backbone.seq_cell.chunk_size=64), "
                + "group=name (model=tiny-attention) or ~key (delete). The run folder (train.run_dir) gets checkpoints, "
                + "metrics.csv, loss.png, train.log, final/ and samples.txt.", o, args);
        if (cl == null) return 0;
        List<String> overrides = new ArrayList<>(cl.getArgList());
        String resumeArg = cl.getOptionValue("resume");
        if (resumeArg != null && resumeArg.contains("=")) {   // "--resume key=value": the value is an override
            overrides.add(0, resumeArg);
            resumeArg = null;
        }
        boolean resume = cl.hasOption("resume");
        String configArg = cl.getOptionValue("config");
        if (configArg == null && !resume) {
            throw new ConfigException("give --config FILE (e.g. --config configs/experiment/tiny-rat.yaml) or --resume RUN");
        }

        ExperimentConfig cfg;
        Path checkpoint = null;
        if (configArg != null) {
            Path file = ConfigComposer.locate(configArg);
            cfg = ExperimentConfig.load(file, overrides);
            if (resume) checkpoint = findCheckpoint(resumeArg != null ? Path.of(resumeArg) : Path.of(cfg.train().runDir()));
        } else {
            if (resumeArg == null) throw new ConfigException("--resume without --config needs the run folder: --resume runs/NAME");
            checkpoint = findCheckpoint(Path.of(resumeArg));
            Checkpoints.State st = Checkpoints.readState(checkpoint);
            Map<String, Object> tree = ConfigComposer.deepCopy(st.config());
            for (String ov : overrides) {
                String key = ov.startsWith("~") ? ov : ov.substring(0, Math.max(0, ov.indexOf('=')));
                if (!key.startsWith("~") && !key.contains(".")) {
                    throw new ConfigException("override '" + ov + "' swaps a config group, which needs --config; without it only "
                            + "key=value overrides apply to the stored config");
                }
                ConfigComposer.applyOverride(tree, ov);
            }
            // The run folder is where the checkpoint is, even if the run was moved.
            ConfigComposer.applyOverride(tree, "train.run_dir=" + checkpoint.toAbsolutePath().getParent().getParent());
            cfg = ExperimentConfig.fromTree(tree);
        }
        if (cl.hasOption("print-config")) {
            Console.stdout().print(new org.yaml.snakeyaml.Yaml().dumpAsMap(cfg.tree()));
            return 0;
        }
        boolean progress = !cl.hasOption("no-progress") && System.console() != null;
        // One run per folder (docs/training.md), held from the set-up, whose "already holds a run" check needs it, to the end.
        try (RunLock lock = RunLock.acquire(Path.of(cfg.train().runDir()))) {
            assert lock != null;
            return train(cfg, checkpoint, progress);
        }
    }

    private static int train(ExperimentConfig cfg, Path checkpoint, boolean progress) throws Exception {
        if (cfg.parallel().enabled()) {
            if (checkpoint != null) throw new ConfigException("--resume applies to single-device training; parallel.mode="
                    + cfg.parallel().mode() + " runs restart from train.init_from (see docs/training.md)");
            Activity.set("training on " + cfg.parallel().workers() + " workers", MICRO_BATCH_ADVICE);
            ParallelTraining.Result r = new ParallelTraining(cfg).progressBar(progress).run();
            Console.stdout().printf(Locale.ROOT, "trained %d steps on %d workers (%s): validation loss %.4f, perplexity %.2f, %,.0f tokens/s; model in %s%n",
                    r.steps(), cfg.parallel().workers(), cfg.parallel().mode(), r.valLoss(), Math.exp(r.valLoss()), r.tokensPerSecond(), r.finalModel());
            return 0;
        }
        Activity.set("reading the data and building the model", "lower the model's sizes (model.vocab_size, model.d_model, model.n_layers)");
        Trainer.Run run = TrainingSetup.prepare(cfg, checkpoint, progress);
        Trainer.Result r = new Trainer(run).progressBar(progress)
                .listen(new ReportActivity(run.train().batchSize(), run.train().seqLen())).run();
        Console.stdout().printf(Locale.ROOT, "trained %d steps in %.1f s (%,.0f tokens/s): last loss %.4f%s; model in %s%n", r.steps(),
                r.trainSeconds(), r.tokensPerSecond(), r.lastLoss(), Double.isNaN(r.valLoss()) ? ""
                        : String.format(Locale.ROOT, ", validation loss %.4f, perplexity %.2f", r.valLoss(), r.valPerplexity()),
                r.finalModel());
        return 0;
    }

    private static final String MICRO_BATCH_ADVICE = "lower train.micro_batch (train.batch_size stays the same, by gradient "
            + "accumulation) or model.seq_len";

    /** Keeps {@link Activity} on what the run is doing, for the out-of-memory message. */
    record ReportActivity(int microBatch, int seqLen) implements TrainingListener {
        @Override
        public void phase(Phase phase, int step) {
            String batch = microBatch + " × " + seqLen + " tokens";
            switch (phase) {
                case STEP -> Activity.set("training step " + (step + 1) + " (micro-batches of " + batch + ")", MICRO_BATCH_ADVICE);
                case VALIDATION -> Activity.set("validating after step " + step + " (batches of " + batch + ")", MICRO_BATCH_ADVICE);
                case CHECKPOINT, FINAL_MODEL -> Activity.set(phase.description() + " after step " + step, null);
                case SAMPLE -> Activity.set(phase.description(), "lower generate.max_new_tokens");
            }
        }
    }

    /** A checkpoint folder, or the newest valid checkpoint of a run folder. */
    static Path findCheckpoint(Path p) {
        if (Files.isRegularFile(p.resolve(Checkpoints.MANIFEST)) || p.getFileName().toString().startsWith("step-")) {
            Checkpoints.verify(p);
            return p;
        }
        if (!Files.isDirectory(p)) {
            throw new ConfigException("nothing to resume: " + p + " does not exist (give the run folder, e.g. runs/tiny-rat, or one "
                    + "of its checkpoints)");
        }
        // Read only: the unfinished writes of a killed run are removed by the trainer, under the run folder's lock.
        return new Checkpoints(p.resolve("checkpoints"), 1).latestValid().orElseThrow(() -> new ConfigException("nothing to resume: "
                + p + " holds no complete checkpoint" + (Files.isDirectory(p.resolve("checkpoints")) ? " (checkpoints/ has none that verify)" : "")
                + "; start the run without --resume"));
    }
}
