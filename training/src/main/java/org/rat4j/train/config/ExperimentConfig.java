package org.rat4j.train.config;

import org.rat4j.config.ConfigException;
import org.rat4j.config.ConfigReader;
import org.rat4j.model.ModelConfig;

import java.nio.file.Path;
import java.util.*;

/**
 * A composed experiment config ({@link ConfigComposer}), read and validated section by section. The schema is in
 * {@code docs/training.md}; every section rejects unknown keys with the nearest valid key.
 *
 * @param tree      the whole composed tree (stored with checkpoints so a run can resume without its YAML files)
 * @param modelTree the {@code model:} section as given, or null; with {@code train.init_from} it is laid over the
 *                  model config of the starting checkpoint
 */
public record ExperimentConfig(Map<String, Object> tree, Map<String, Object> modelTree, OptimConfig optim,
                               DataConfig data, TrainSettings train, GenerateSettings generate,
                               ParallelSettings parallel, SparkSettings spark) {

    /** Top-level sections. */
    public static final List<String> SECTIONS = List.of("model", "optim", "data", "train", "generate", "parallel", "spark");

    /** Composes {@code file} with {@code overrides} and reads it. */
    public static ExperimentConfig load(Path file, List<String> overrides) {
        Map<String, Object> tree = new ConfigComposer(ConfigComposer.rootOf(file)).compose(file, overrides);
        return fromTree(tree);
    }

    /** Reads an already composed tree (e.g. the one stored in a checkpoint, with overrides applied). */
    @SuppressWarnings("unchecked")
    public static ExperimentConfig fromTree(Map<String, Object> tree) {
        ConfigReader root = new ConfigReader("", tree);
        for (String s : SECTIONS) root.has(s);
        Object m = tree.get("model");
        if (m != null && !(m instanceof Map)) throw new ConfigException("'model' must be a mapping of keys to values, got '" + m + "'");
        OptimConfig optim = OptimConfig.read(root.child("optim"));
        DataConfig data = DataConfig.read(root.child("data"));
        TrainSettings train = TrainSettings.read(root.child("train"));
        GenerateSettings gen = GenerateSettings.read(root.child("generate"));
        ParallelSettings par = ParallelSettings.read(root.child("parallel"));
        SparkSettings spark = SparkSettings.read(root.child("spark"));
        root.finish();
        Map<String, Object> modelTree = m == null ? null : ConfigComposer.deepCopy((Map<String, Object>) m);
        if (modelTree != null && train.initFrom() == null) modelConfig(modelTree); // validate now: unknown keys, ranges
        if (modelTree == null && train.initFrom() == null) {
            throw new ConfigException("the config has no 'model:' section and no 'train.init_from'; add '- model: tiny-rat' "
                    + "to its defaults list (see configs/model/) or start from a checkpoint with train.init_from=DIR");
        }
        return new ExperimentConfig(tree, modelTree, optim, data, train, gen, par, spark);
    }

    /** Reads a {@code model:} tree, rejecting unknown keys. */
    public static ModelConfig modelConfig(Map<String, Object> modelTree) {
        ConfigReader r = new ConfigReader("model", modelTree);
        ModelConfig c = ModelConfig.read(r);
        r.finish();
        return c;
    }

    /**
     * The model to train: the config's model, or with {@code train.init_from} the starting model's config with the
     * config's {@code model:} keys laid over it (how resolution adaptation switches the RAT+ pattern).
     */
    public ModelConfig resolveModel(ModelConfig initial) {
        if (initial == null) return modelConfig(modelTree);
        if (modelTree == null) return initial;
        Map<String, Object> base = initial.toMap();
        ConfigComposer.merge(base, modelTree);
        return modelConfig(base);
    }

    // ------------------------------------------------------------------ sections

    /**
     * AdamW and its schedule (spec §5.2).
     *
     * @param warmup      warmup length as a fraction of the steps (the reference's {@code warmup_iter}, 0.05)
     * @param warmupSteps warmup length in steps; overrides {@code warmup} when >= 0
     */
    public record OptimConfig(double lr, double beta1, double beta2, double eps, double weightDecay, double warmup,
                              int warmupSteps, double minLr, double gradClip) {
        static OptimConfig read(ConfigReader r) {
            OptimConfig c = new OptimConfig(r.getDouble("lr", 8e-4), r.getDouble("beta1", 0.9), r.getDouble("beta2", 0.95),
                    r.getDouble("eps", 1e-8), r.getDouble("weight_decay", 0.1), r.getDouble("warmup", 0.05),
                    r.getInt("warmup_steps", -1), r.getDouble("min_lr", 1e-6), r.getDouble("grad_clip", 1.0));
            String p = r.path();
            if (!(c.lr > 0)) throw new ConfigException("'" + p + ".lr' must be > 0, got " + c.lr);
            if (!(c.beta1 >= 0 && c.beta1 < 1)) throw new ConfigException("'" + p + ".beta1' must be in [0, 1), got " + c.beta1);
            if (!(c.beta2 >= 0 && c.beta2 < 1)) throw new ConfigException("'" + p + ".beta2' must be in [0, 1), got " + c.beta2);
            if (!(c.eps > 0)) throw new ConfigException("'" + p + ".eps' must be > 0, got " + c.eps);
            if (!(c.weightDecay >= 0)) throw new ConfigException("'" + p + ".weight_decay' must be >= 0, got " + c.weightDecay);
            if (!(c.warmup >= 0 && c.warmup <= 1)) throw new ConfigException("'" + p + ".warmup' is a fraction of the steps in [0, 1], got " + c.warmup);
            if (!(c.minLr >= 0 && c.minLr <= c.lr)) throw new ConfigException("'" + p + ".min_lr' must be in [0, lr], got " + c.minLr);
            if (!(c.gradClip >= 0)) throw new ConfigException("'" + p + ".grad_clip' must be >= 0 (0 = no clipping), got " + c.gradClip);
            return c;
        }

        /** Warmup steps for a run of {@code total} steps: {@code int(warmup·total)} as in the reference. */
        public int warmupFor(int total) {
            return warmupSteps >= 0 ? Math.min(warmupSteps, total) : (int) (warmup * total);
        }
    }

    /**
     * Where batches come from.
     *
     * @param format       {@code lm} (token windows) or {@code sft} (prompt/response JSONL, loss on responses)
     * @param train        inputs: a shard directory, or files/globs/{@code builtin:train} tokenized into {@code shardDir}
     * @param valid        validation inputs in the same forms, or null for none
     * @param shardDir     where text inputs are tokenized to (once; later runs reuse the shards)
     * @param tokenizer    tokenizer file, or null for the default LLaMA-2 tokenizer
     * @param sampling     {@code random} or {@code ordered} windows
     * @param textField    JSONL text field of text inputs
     * @param promptBudget SFT: most prompt tokens kept (0 = 3/4 of the sequence length)
     * @param pack         SFT: pack several examples per row
     */
    public record DataConfig(String format, String train, String valid, String shardDir, String tokenizer, String sampling,
                             String textField, int promptBudget, boolean pack) {
        static DataConfig read(ConfigReader r) {
            String format = r.getString("format", "lm");
            if (!format.equals("lm") && !format.equals("sft")) {
                throw new ConfigException("'" + r.path() + ".format' must be lm or sft, got '" + format + "'");
            }
            String valid = r.getString("valid", format.equals("lm") ? "builtin:valid" : null);
            if (valid != null && (valid.isBlank() || valid.equalsIgnoreCase("none"))) valid = null;
            String sampling = r.getString("sampling", "random");
            if (!sampling.equals("random") && !sampling.equals("ordered")) {
                throw new ConfigException("'" + r.path() + ".sampling' must be random or ordered, got '" + sampling + "'");
            }
            DataConfig c = new DataConfig(format, r.getString("train", format.equals("lm") ? "builtin:train" : null), valid,
                    r.getString("shard_dir", "runs/shards"), r.getString("tokenizer", null), sampling,
                    r.getString("text_field", "text"), r.getInt("prompt_budget", 0), r.getBool("pack", false));
            if (c.train == null || c.train.isBlank()) {
                throw new ConfigException("'" + r.path() + ".train' must name the training data (for sft: a JSONL file of "
                        + "{prompt, response} lines)");
            }
            if (c.promptBudget < 0) throw new ConfigException("'" + r.path() + ".prompt_budget' must be >= 0, got " + c.promptBudget);
            return c;
        }

        public boolean isSft() {
            return format.equals("sft");
        }
    }

    /**
     * The loop.
     *
     * @param steps           optimizer iterations (a RAT+ joint iteration makes two updates)
     * @param batchSize       sequences per iteration (the global batch)
     * @param microBatch      sequences per forward/backward pass; gradients are accumulated over batchSize/microBatch
     * @param seed            seeds the initialisation, the data order and generation
     * @param evalEvery       validation every this many steps (0: only at the end)
     * @param evalBatches     validation batches (of microBatch sequences) per evaluation
     * @param checkpointEvery checkpoint every this many steps (0: only at the end)
     * @param keepCheckpoints how many recent checkpoints to keep
     * @param logEvery        a log line every this many steps
     * @param runDir          the run folder
     * @param precision       float32 or float64
     * @param initFrom        start from this model directory or checkpoint (SFT, adaptation), or null
     * @param gcEvery         run the garbage collector every this many micro-batches (ND4J frees native memory only on GC)
     */
    public record TrainSettings(int steps, int batchSize, int microBatch, long seed, int evalEvery, int evalBatches,
                                int checkpointEvery, int keepCheckpoints, int logEvery, String runDir, String precision,
                                String initFrom, int gcEvery) {
        static TrainSettings read(ConfigReader r) {
            int batch = r.getInt("batch_size", 8);
            TrainSettings t = new TrainSettings(r.getInt("steps", 100), batch, r.getInt("micro_batch", batch),
                    r.getInt("seed", 1005), r.getInt("eval_every", 0), r.getInt("eval_batches", 4),
                    r.getInt("checkpoint_every", 0), r.getInt("keep_checkpoints", 2), r.getInt("log_every", 10),
                    r.getString("run_dir", "runs/train"), r.getString("precision", "float32"), r.getString("init_from", null),
                    r.getInt("gc_every", 1));
            String p = r.path();
            if (t.steps < 1) throw new ConfigException("'" + p + ".steps' must be >= 1, got " + t.steps);
            if (t.batchSize < 1) throw new ConfigException("'" + p + ".batch_size' must be >= 1, got " + t.batchSize);
            if (t.microBatch < 1 || t.batchSize % t.microBatch != 0) {
                throw new ConfigException("'" + p + ".micro_batch' (" + t.microBatch + ") must divide '" + p + ".batch_size' ("
                        + t.batchSize + "): gradients are accumulated over batch_size / micro_batch passes");
            }
            if (t.evalEvery < 0 || t.checkpointEvery < 0 || t.logEvery < 0 || t.gcEvery < 0) {
                throw new ConfigException("'" + p + "' intervals (eval_every, checkpoint_every, log_every, gc_every) must be >= 0");
            }
            if (t.evalBatches < 1) throw new ConfigException("'" + p + ".eval_batches' must be >= 1, got " + t.evalBatches);
            if (t.keepCheckpoints < 1) throw new ConfigException("'" + p + ".keep_checkpoints' must be >= 1, got " + t.keepCheckpoints);
            if (!t.precision.equals("float32") && !t.precision.equals("float64")) {
                throw new ConfigException("'" + p + ".precision' must be float32 or float64, got '" + t.precision + "'");
            }
            return t;
        }

        public int accumulation() {
            return batchSize / microBatch;
        }
    }

    /** Text generated from a prompt after training (skipped when {@code prompt} is empty or maxNewTokens is 0). */
    public record GenerateSettings(String prompt, int maxNewTokens, double temperature, int topK, double topP, long seed) {
        static GenerateSettings read(ConfigReader r) {
            GenerateSettings g = new GenerateSettings(r.getString("prompt", ""), r.getInt("max_new_tokens", 64),
                    r.getDouble("temperature", 0.8), r.getInt("top_k", 40), r.getDouble("top_p", 1.0), r.getInt("seed", 0));
            if (g.maxNewTokens < 0) throw new ConfigException("'" + r.path() + ".max_new_tokens' must be >= 0");
            new org.rat4j.decode.SamplingConfig(g.temperature, g.topK, g.topP, g.seed); // range checks
            return g;
        }

        public boolean enabled() {
            return prompt != null && !prompt.isEmpty() && maxNewTokens > 0;
        }

        public org.rat4j.decode.SamplingConfig sampling() {
            return new org.rat4j.decode.SamplingConfig(temperature, topK, topP, seed);
        }
    }

    /**
     * Several devices in one process: DL4J ParallelWrapper over the model's DL4J form.
     *
     * @param mode               {@code none}, {@code shared_gradients} or {@code averaging}
     * @param workers            trainer threads (one per device)
     * @param averagingFrequency averaging mode: average parameters every this many iterations
     * @param prefetch           batches prefetched per worker
     * @param threshold          shared-gradients mode: initial threshold of the update encoding (0: optim.lr, which
     *                           measured best; much smaller values throttle the updates)
     */
    public record ParallelSettings(String mode, int workers, int averagingFrequency, int prefetch, double threshold) {
        static ParallelSettings read(ConfigReader r) {
            ParallelSettings s = new ParallelSettings(r.getString("mode", "none"), r.getInt("workers", 2),
                    r.getInt("averaging_frequency", 1), r.getInt("prefetch", 2), r.getDouble("threshold", 0));
            if (!List.of("none", "shared_gradients", "averaging").contains(s.mode)) {
                String near = ConfigReader.nearest(s.mode, List.of("none", "shared_gradients", "averaging"));
                throw new ConfigException("'" + r.path() + ".mode' must be none, shared_gradients or averaging, got '" + s.mode + "'"
                        + (near == null ? "" : "; did you mean '" + near + "'?"));
            }
            if (s.workers < 1) throw new ConfigException("'" + r.path() + ".workers' must be >= 1, got " + s.workers);
            if (s.averagingFrequency < 1) throw new ConfigException("'" + r.path() + ".averaging_frequency' must be >= 1");
            if (s.prefetch < 0) throw new ConfigException("'" + r.path() + ".prefetch' must be >= 0");
            if (!(s.threshold >= 0)) throw new ConfigException("'" + r.path() + ".threshold' must be > 0 (or 0: the peak learning rate)");
            return s;
        }

        public boolean enabled() {
            return !mode.equals("none");
        }
    }

    /**
     * Several machines: DL4J on Apache Spark ({@code org.rat4j.train.spark.SparkTrain}, built with {@code -Pspark}).
     * Workers take {@code train.micro_batch} sequences per minibatch.
     *
     * @param master             Spark master when not set by spark-submit (e.g. {@code local[2]})
     * @param mode               {@code averaging} (ParameterAveragingTrainingMaster) or {@code shared} (SharedTrainingMaster)
     * @param averagingFrequency averaging mode: minibatches between parameter averages
     * @param batches            micro-batches distributed per round (validation after each round)
     * @param controllerAddress  shared mode: the driver's address the workers reach over UDP (null: 127.0.0.1 for a
     *                           local master, otherwise found by DL4J)
     * @param port               shared mode: the driver's UDP port
     */
    public record SparkSettings(String master, String mode, int averagingFrequency, int batches, String controllerAddress, int port) {
        static SparkSettings read(ConfigReader r) {
            SparkSettings s = new SparkSettings(r.getString("master", "local[2]"), r.getString("mode", "averaging"),
                    r.getInt("averaging_frequency", 2), r.getInt("batches", 32), r.getString("controller_address", null),
                    r.getInt("port", 40123));
            if (!s.mode.equals("shared") && !s.mode.equals("averaging")) {
                throw new ConfigException("'" + r.path() + ".mode' must be averaging or shared, got '" + s.mode + "'");
            }
            if (s.averagingFrequency < 1 || s.batches < 1) {
                throw new ConfigException("'" + r.path() + "' averaging_frequency and batches must be >= 1");
            }
            return s;
        }
    }
}
