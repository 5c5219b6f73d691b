package org.rat4j.train;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.config.ConfigException;
import org.rat4j.data.iter.SamplingMode;
import org.rat4j.data.iter.TokenWindowSampler;
import org.rat4j.data.sft.SftBatches;
import org.rat4j.data.sft.SftCollator;
import org.rat4j.data.sft.SftJsonl;
import org.rat4j.data.sft.SftSequence;
import org.rat4j.data.shard.CorpusTokenizer;
import org.rat4j.data.shard.ShardIndex;
import org.rat4j.data.shard.TokenShards;
import org.rat4j.data.shard.TokenSource;
import org.rat4j.data.shard.TokenizeCommand;
import org.rat4j.data.text.InputResolver;
import org.rat4j.data.tokenizer.ModelTokenizers;
import org.rat4j.data.tokenizer.Tokenizer;
import org.rat4j.data.tokenizer.Tokenizers;
import org.rat4j.io.Checksums;
import org.rat4j.io.ModelIO;
import org.rat4j.model.ModelConfig;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.model.TokenBatch;
import org.rat4j.train.config.ExperimentConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.*;
import java.util.function.Function;

/**
 * Builds a {@link Trainer.Run} from an experiment config: the tokenizer, the data (tokenizing text inputs into
 * shards on first use), and the model (fresh, from {@code train.init_from}, or from a checkpoint to resume), with
 * the consistency checks a user needs: tokenizer vs model vocabulary, shards vs tokenizer, config vs checkpoint.
 */
public final class TrainingSetup {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingSetup.class);

    private TrainingSetup() {
    }

    public static DataType dataType(ExperimentConfig cfg) {
        return cfg.train().precision().equals("float64") ? DataType.DOUBLE : DataType.FLOAT;
    }

    /**
     * @param cfg        the experiment
     * @param resume     checkpoint to continue, or null for a new run
     * @param progress   draw progress bars (tokenization)
     */
    public static Trainer.Run prepare(ExperimentConfig cfg, Path resume, boolean progress) throws IOException {
        DataType type = dataType(cfg);
        Path runDir = Path.of(cfg.train().runDir());
        if (resume == null) {
            List<Path> existing = new Checkpoints(runDir.resolve("checkpoints"), 1).list();
            if (!existing.isEmpty()) {
                throw new ConfigException("the run folder " + runDir + " already holds a run (checkpoint "
                        + existing.get(existing.size() - 1).getFileName() + "); continue it with --resume, or start a new one "
                        + "elsewhere with train.run_dir=DIR (or delete " + runDir + ")");
            }
        }
        Tokenizer tokenizer = Tokenizers.resolve(cfg.data().tokenizer());

        RatLanguageModel model;
        Checkpoints.Loaded loaded = null;
        MemoryCheck.Use use = MemoryCheck.Use.training(cfg.train().accumulation());
        if (resume != null) {
            if (Files.isRegularFile(resume.resolve(ModelIO.CONFIG))) MemoryCheck.require(Checkpoints.modelConfigOf(resume), type, use);
            loaded = Checkpoints.load(resume, type);
            ModelConfig have = loaded.model().config();
            ModelConfig want = cfg.modelTree() == null ? have : cfg.resolveModel(have);
            requireSameModel(want, have, "the checkpoint " + resume);
            model = loaded.model();
            Map<String, String> tok = loaded.state().tokenizer();
            if (tok != null && tok.containsKey("sha256") && !tok.get("sha256").equals(tokenizer.hash())) {
                throw new ConfigException("the checkpoint " + resume + " was trained with tokenizer " + tok.get("id") + " (sha256 "
                        + Checksums.abbreviate(tok.get("sha256")) + ") but this run uses " + tokenizer.id() + " (sha256 "
                        + Checksums.abbreviate(tokenizer.hash()) + "); set data.tokenizer to the run's tokenizer");
            }
        } else if (cfg.train().initFrom() != null) {
            Path initDir = modelDirOf(Path.of(cfg.train().initFrom()));
            requireStoredTokenizer(initDir, tokenizer);
            model = initFrom(cfg, initDir, type);
        } else {
            ModelConfig fresh = cfg.resolveModel(null);
            MemoryCheck.require(fresh, type, use);
            model = RatLanguageModel.initialize(fresh, cfg.train().seed(), type);
        }
        requireVocab(tokenizer, model.config());

        ExperimentConfig.TrainSettings ts = cfg.train();
        int seqLen = model.config().seqLen();                  // a multiple of every RAT chunk size: ModelConfig's rule
        BatchSource train;
        List<TokenBatch> valid;
        ExperimentConfig.DataConfig dc = cfg.data();
        if (dc.isSft()) {
            int budget = dc.promptBudget() > 0 ? dc.promptBudget() : Math.max(1, seqLen * 3 / 4);
            SftCollator collator = new SftCollator(tokenizer, seqLen, budget, dc.pack());
            List<SftSequence> rows = collator.collate(SftJsonl.read(Path.of(dc.train())));
            SftCollator.Stats st = collator.stats();
            LOG.info("SFT data {}: {} examples in {} rows, {} learned tokens, {} prompts and {} responses truncated", dc.train(),
                    st.examples(), st.rows(), st.learnedTokens(), st.truncatedPrompts(), st.truncatedResponses());
            train = new SftBatchSource(new SftBatches(rows, ts.microBatch(), ts.seed()), ts.microBatch(), seqLen, rows.size());
            valid = new ArrayList<>();
            if (dc.valid() != null) {
                List<SftSequence> vrows = collator.collate(SftJsonl.read(Path.of(dc.valid())));
                SftBatches vb = new SftBatches(vrows, ts.microBatch(), 0);
                long n = Math.min(ts.evalBatches(), vb.batchesPerEpoch());
                for (long i = 0; i < n; i++) valid.add(vb.nextBatch());
            }
        } else {
            TokenShards shards = shards(dc.train(), dc, tokenizer, progress);
            shards.requireTokenizer(tokenizer);
            shards.requireVocab(model.config().vocabSize());
            SamplingMode mode = dc.sampling().equals("ordered") ? SamplingMode.ORDERED : SamplingMode.RANDOM;
            train = new WindowBatches(new TokenWindowSampler(shards, seqLen, ts.microBatch(), mode, ts.seed()));
            valid = new ArrayList<>();
            if (dc.valid() != null) {
                TokenShards vs = shards(dc.valid(), dc, tokenizer, progress);
                vs.requireTokenizer(tokenizer);
                vs.requireVocab(model.config().vocabSize());
                valid = validationBatches(vs, seqLen, ts.microBatch(), ts.evalBatches());
            }
        }
        return new Trainer.Run(cfg, model, train, valid, runDir, tokenizer, loaded);
    }

    /** The first {@code count} ordered batches of a token stream (fewer if it is short). */
    public static List<TokenBatch> validationBatches(TokenSource source, int seqLen, int batch, int count) {
        TokenWindowSampler s = new TokenWindowSampler(source, seqLen, Math.min(batch, (int) Math.max(1, (source.size() - 1) / seqLen)),
                SamplingMode.ORDERED, 0);
        long n = Math.min(count, s.batchesPerEpoch());
        List<TokenBatch> out = new ArrayList<>();
        for (long i = 0; i < n; i++) out.add(s.nextBatch());
        return out;
    }

    /** The tokenizer's ids must all be valid model ids, with the same EOS ({@link ModelTokenizers#requireCompatible}). */
    public static void requireVocab(Tokenizer tokenizer, ModelConfig model) {
        ModelTokenizers.requireCompatible(tokenizer, model, "the model", "set model.vocab_size=" + tokenizer.vocabSize()
                + " or use the tokenizer the model was made for (data.tokenizer)", "set model.eos_token_id=" + tokenizer.eosId());
    }

    /** A model directory that stores a tokenizer is trained further only with that tokenizer: its embeddings mean its ids. */
    static void requireStoredTokenizer(Path dir, Tokenizer tokenizer) {
        ModelIO.tokenizer(dir).ifPresent(e -> {
            if (!e.sha256().equals(tokenizer.hash())) {
                throw new ConfigException("train.init_from: " + dir + " stores the tokenizer " + e.id() + " (sha256 " + Checksums.abbreviate(e.sha256())
                        + ") but this run uses " + tokenizer.id() + " (sha256 " + Checksums.abbreviate(tokenizer.hash()) + "); set data.tokenizer="
                        + (e.isBuiltin() ? e.builtin() : e.file()));
            }
        });
    }

    /** Fails, listing the differences, unless two model configs are equal. */
    public static void requireSameModel(ModelConfig want, ModelConfig have, String where) {
        Map<String, Object> a = flatten("model", want.toMap());
        Map<String, Object> b = flatten("model", have.toMap());
        if (a.equals(b)) return;
        List<String> diffs = new ArrayList<>();
        Set<String> keys = new TreeSet<>(a.keySet());
        keys.addAll(b.keySet());
        for (String k : keys) {
            if (!Objects.equals(a.get(k), b.get(k))) diffs.add(k + ": config " + a.get(k) + ", checkpoint " + b.get(k));
        }
        throw new ConfigException("the model in the config does not match " + where + " (" + String.join("; ", diffs)
                + "); resume with the run's own config (rat4j train --resume RUN without --config) or start a new run");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> flatten(String prefix, Map<String, Object> m) {
        Map<String, Object> out = new TreeMap<>();
        for (Map.Entry<String, Object> e : m.entrySet()) {
            String k = prefix + "." + e.getKey();
            if (e.getValue() instanceof Map) out.putAll(flatten(k, (Map<String, Object>) e.getValue()));
            else out.put(k, e.getValue() instanceof Number n ? (Object) n.doubleValue() : e.getValue());
        }
        return out;
    }

    /**
     * The starting model of an SFT or adaptation run: a model directory, a checkpoint, or a run folder (its
     * {@code final/} model, else its newest checkpoint). The config's {@code model:} keys are laid over the stored
     * model config; the weights must fit the result.
     */
    public static RatLanguageModel initFrom(ExperimentConfig cfg, Path from, DataType type) throws IOException {
        Path dir = modelDirOf(from);
        if (Files.isRegularFile(dir.resolve(Checkpoints.MANIFEST))) Checkpoints.verify(dir);
        MemoryCheck.require(cfg.resolveModel(Checkpoints.modelConfigOf(dir)), type, MemoryCheck.Use.training(cfg.train().accumulation()));
        RatLanguageModel start = Checkpoints.trainable(ModelIO.load(dir, type));
        ModelConfig target = cfg.resolveModel(start.config());
        if (target.equals(start.config())) {
            LOG.info("starting from the weights in {}", dir);
            return start;
        }
        Map<String, INDArray> params = new LinkedHashMap<>(start.parameters());
        try {
            RatLanguageModel m = RatLanguageModel.fromParameters(target, params, type);
            LOG.info("starting from the weights in {} with a changed model config: {}", dir, describeChange(start.config(), target));
            return m;
        } catch (ConfigException e) {
            throw new ConfigException("the model in the config does not fit the weights in " + dir + ": " + e.getMessage()
                    + " (only settings that keep every tensor shape, such as a RAT+ pattern, may change)", e);
        }
    }

    private static String describeChange(ModelConfig a, ModelConfig b) {
        Map<String, Object> x = flatten("model", a.toMap());
        Map<String, Object> y = flatten("model", b.toMap());
        List<String> out = new ArrayList<>();
        for (String k : y.keySet()) if (!Objects.equals(x.get(k), y.get(k))) out.add(k + " " + x.get(k) + " -> " + y.get(k));
        return String.join(", ", out);
    }

    /** A model directory, checkpoint or run folder → the model directory to load. */
    public static Path modelDirOf(Path from) {
        if (!Files.isDirectory(from)) {
            throw new ConfigException("train.init_from: " + from + " does not exist (give a model directory, a checkpoint or a run folder)");
        }
        if (Files.isRegularFile(from.resolve(ModelIO.CONFIG))) return from;
        if (Files.isRegularFile(from.resolve(Trainer.FINAL_DIR).resolve(ModelIO.CONFIG))) return from.resolve(Trainer.FINAL_DIR);
        Optional<Path> ck = new Checkpoints(from.resolve("checkpoints"), 1).latestValid();
        if (ck.isPresent()) return ck.get();
        throw new ConfigException("train.init_from: " + from + " holds no model (no config.json, no final/ and no checkpoint)");
    }

    /**
     * Opens token shards for a data spec: a shard directory as is, or text inputs (files, globs, {@code builtin:train})
     * tokenized once into {@code data.shard_dir} and reused while the inputs are unchanged.
     */
    public static TokenShards shards(String spec, ExperimentConfig.DataConfig dc, Tokenizer tokenizer, boolean progress)
            throws IOException {
        Path p = Path.of(spec.trim());
        if (Files.isDirectory(p) && Files.isRegularFile(p.resolve(ShardIndex.FILE))) return TokenShards.open(p);
        List<Path> inputs = InputResolver.resolve(List.of(spec));
        Path out = Path.of(dc.shardDir()).resolve(cacheName(spec, tokenizer));
        Function<Boolean, CorpusTokenizer> tokenizing = force -> new CorpusTokenizer(new CorpusTokenizer.Options(
                inputs, out, tokenizer, dc.textField(), Runtime.getRuntime().availableProcessors(), TokenizeCommand.DEFAULT_SHARD_TOKENS,
                force, progress));
        CorpusTokenizer.Result r;
        try {
            r = tokenizing.apply(false).run();
        } catch (CorpusTokenizer.OtherInputsException e) {
            // The folder is this cache's own (named after the spec and the tokenizer): replace what it holds.
            LOG.info("the inputs of {} changed since they were tokenized; tokenizing again", out);
            r = tokenizing.apply(true).run();
        }
        if (!r.upToDate()) LOG.info(String.format("tokenized %s into %s: %,d documents, %,d tokens in %.1f s", spec, out,
                r.documents(), r.tokens(), r.seconds()));
        return TokenShards.open(out);
    }

    static String cacheName(String spec, Tokenizer tokenizer) {
        String s = spec.trim();
        String base = s.replaceAll("[^A-Za-z0-9._-]+", "-").replaceAll("^-+|-+$", "");
        if (base.length() > 40) base = base.substring(0, 40);
        if (s.startsWith("builtin") && tokenizer.id().equals("llama2-32000")) return base;
        MessageDigest md = Checksums.newDigest();
        md.update((s + "\n" + tokenizer.hash()).getBytes(StandardCharsets.UTF_8));
        return base + "-" + HexFormat.of().formatHex(md.digest()).substring(0, 8);
    }
}
