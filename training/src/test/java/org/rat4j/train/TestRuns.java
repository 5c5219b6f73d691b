package org.rat4j.train;

import org.nd4j.linalg.api.buffer.DataType;
import org.rat4j.data.iter.SamplingMode;
import org.rat4j.data.iter.TokenWindowSampler;
import org.rat4j.data.shard.ArrayTokenSource;
import org.rat4j.model.ModelConfig;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.train.config.ConfigComposer;
import org.rat4j.train.config.ExperimentConfig;

import java.nio.file.Path;
import java.util.*;
import java.util.function.BiConsumer;

/** Small runs for the tests: a tiny model over a synthetic token stream with learnable structure. */
final class TestRuns {
    static final int VOCAB = 64;
    static final int SEQ = 16;
    static final int EOS = 2;

    private TestRuns() {
    }

    /** A model section: D=16, 2 layers, 2 heads, T=16, V=64, with the given seq_cell. */
    static Map<String, Object> model(Map<String, Object> cell) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("vocab_size", VOCAB);
        m.put("d_model", 16);
        m.put("n_layers", 2);
        m.put("num_heads", 2);
        m.put("seq_len", SEQ);
        m.put("backbone", new LinkedHashMap<>(Map.of("seq_cell", new LinkedHashMap<>(cell))));
        return m;
    }

    static Map<String, Object> rat() {
        return model(Map.of("type", "rat", "chunk_size", 4, "ngroups", 2));
    }

    static Map<String, Object> ratPlusJoint() {
        return model(Map.of("type", "ratplus", "dilation_size", 4, "local_size", 0, "initial_size", 0, "apply_re", true, "joint_train", true));
    }

    /** A complete, verifiable checkpoint {@code dir/step-0000001} of a fresh tiny RAT, written without training. */
    static Path checkpoint(Path dir) throws java.io.IOException {
        ModelConfig config = ModelConfig.read(new org.rat4j.config.ConfigReader("", rat()));
        RatLanguageModel m = RatLanguageModel.initialize(config, 1, DataType.FLOAT);
        AdamW opt = new AdamW(m.parameters(), 0.9, 0.95, 1e-8, 0.1);
        return new Checkpoints(dir, 1).save(m, opt, new Checkpoints.State(1, 1, 0, "", 0, 0, 0, Map.of(), Map.of()));
    }

    /** A config tree: the model plus train settings; {@code overrides} are key=value strings. */
    static ExperimentConfig config(Map<String, Object> model, Path runDir, String... overrides) {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("model", model);
        tree.put("optim", new LinkedHashMap<>(Map.of("lr", 0.01, "warmup", 0.1)));
        tree.put("data", new LinkedHashMap<>(Map.of("train", "synthetic", "valid", "none")));
        Map<String, Object> train = new LinkedHashMap<>();
        train.put("steps", 10);
        train.put("batch_size", 4);
        train.put("micro_batch", 4);
        train.put("seed", 7);
        train.put("checkpoint_every", 5);
        train.put("keep_checkpoints", 3);
        train.put("log_every", 0);
        train.put("gc_every", 0);
        train.put("run_dir", runDir.toString());
        tree.put("train", train);
        for (String o : overrides) ConfigComposer.applyOverride(tree, o);
        return ExperimentConfig.fromTree(tree);
    }

    /**
     * A stream with structure a tiny model learns in a few dozen steps: "documents" made of motifs drawn from a fixed
     * set of 8 (so the next token is mostly determined by the current one), each document ended by EOS.
     */
    static int[] tokens(int n, long seed) {
        SplittableRandom fixed = new SplittableRandom(12345);
        int[][] motifs = new int[8][];
        for (int m = 0; m < motifs.length; m++) {
            motifs[m] = new int[3 + fixed.nextInt(4)];
            for (int k = 0; k < motifs[m].length; k++) motifs[m][k] = 3 + fixed.nextInt(VOCAB - 3);
        }
        SplittableRandom r = new SplittableRandom(seed);
        int[] out = new int[n];
        int i = 0;
        while (i < n) {
            int parts = 2 + r.nextInt(5);
            for (int p = 0; p < parts && i < n; p++) {
                int[] motif = motifs[r.nextInt(motifs.length)];
                for (int k = 0; k < motif.length && i < n; k++) out[i++] = motif[k];
            }
            if (i < n) out[i++] = EOS;
        }
        return out;
    }

    static ArrayTokenSource source(int n, long seed) {
        return new ArrayTokenSource(tokens(n, seed), VOCAB, EOS);
    }

    /** A fresh run of {@code cfg} over the synthetic stream, with 2 validation batches. */
    static Trainer.Run run(ExperimentConfig cfg) {
        ModelConfig mc = cfg.resolveModel(null);
        RatLanguageModel model = RatLanguageModel.initialize(mc, cfg.train().seed(), DataType.FLOAT);
        return run(cfg, model, null);
    }

    static Trainer.Run run(ExperimentConfig cfg, RatLanguageModel model, Checkpoints.Loaded resume) {
        ArrayTokenSource train = source(20_000, 1);
        ArrayTokenSource valid = source(2_000, 2);
        TokenWindowSampler sampler = new TokenWindowSampler(train, model.config().seqLen(), cfg.train().microBatch(), SamplingMode.RANDOM,
                cfg.train().seed());
        return new Trainer.Run(cfg, model, new WindowBatches(sampler),
                TrainingSetup.validationBatches(valid, model.config().seqLen(), cfg.train().microBatch(), 2),
                Path.of(cfg.train().runDir()), null, resume);
    }

    /** Ends a run after iteration {@code n} as a kill would (no final model). */
    static TrainingListener stopAfter(int n) {
        return new TrainingListener() {
            @Override
            public boolean continueAfter(int step) {
                return step < n;
            }
        };
    }

    /** Calls {@code hook} with the 0-based step and the model before each iteration. */
    static TrainingListener beforeStep(BiConsumer<Integer, RatLanguageModel> hook) {
        return new TrainingListener() {
            @Override
            public void beforeStep(int step, RatLanguageModel model) {
                hook.accept(step, model);
            }
        };
    }

    /** Calls {@code hook} before each file of a checkpoint is written. */
    static TrainingListener beforeCheckpointFile(Checkpoints.WriteHook hook) {
        return new TrainingListener() {
            @Override
            public void beforeCheckpointFile(Path file) throws java.io.IOException {
                hook.beforeWrite(file);
            }
        };
    }

    /** Resumes the newest checkpoint of a run folder. */
    static Trainer.Run resume(ExperimentConfig cfg) {
        Path ck = new Checkpoints(Path.of(cfg.train().runDir()).resolve("checkpoints"), 1).latestValid().orElseThrow();
        Checkpoints.Loaded loaded = Checkpoints.load(ck, DataType.FLOAT);
        return run(cfg, loaded.model(), loaded);
    }
}
