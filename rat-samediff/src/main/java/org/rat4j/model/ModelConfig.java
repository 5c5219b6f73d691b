package org.rat4j.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.rat4j.block.MixerConfig;
import org.rat4j.config.ConfigException;
import org.rat4j.config.ConfigReader;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.*;

/**
 * Everything that fixes the shape and initialisation of a language model (spec §2.6, §5.1). The same tree is read
 * from the {@code model:} section of a YAML config and written to / read from {@code config.json} next to the weights.
 *
 * <p>Layer {@code i} uses {@link #interleaved()} when it is set and {@code i % interleaveStep == 0}, and
 * {@link #mixer()} otherwise (the reference's interleave rule, spec §2.4). Every layer is followed by the GELU FFN.
 * The two mixers are the {@code backbone.seq_cell1} and {@code backbone.seq_cell} sections of a config.
 *
 * @param vocabSize      V
 * @param dModel         D
 * @param nLayers        number of blocks
 * @param numHeads       H; the head size is D/H
 * @param seqLen         the training context length T; also the horizon of the RNN chrono gate init (spec §2.1)
 * @param tieEmbedding   head weight is the token embedding (spec §2.6)
 * @param initStd        std of the N(0, std) init of every linear and embedding weight (0.02)
 * @param normEps        RMSNorm epsilon (1e-6)
 * @param ffnMult        FFN width as a multiple of D (4)
 * @param interleaveStep period of the {@code interleaved} layers
 * @param mixer          mixer of the layers not taken by {@code interleaved} ({@code seq_cell})
 * @param interleaved    mixer of layers {@code i % interleaveStep == 0} ({@code seq_cell1}), or null for a homogeneous stack
 * @param eosId          end-of-sequence token id; targets whose input token is EOS are ignored by the loss (spec §2.8)
 */
public record ModelConfig(int vocabSize, int dModel, int nLayers, int numHeads, int seqLen, boolean tieEmbedding,
                          double initStd, double normEps, int ffnMult, int interleaveStep,
                          MixerConfig mixer, MixerConfig interleaved, int eosId) {

    /**
     * Every rule a model config must satisfy, in one place: a config is checked whenever one is made, so {@code init},
     * {@code score}, {@code generate}, {@code train} and every {@code config.json} or checkpoint that is loaded refuse
     * the same configs with the same one-line messages (docs/weights.md, "What is validated").
     */
    public ModelConfig {
        validate(vocabSize, dModel, nLayers, numHeads, seqLen, initStd, normEps, ffnMult, interleaveStep, mixer, interleaved, eosId);
    }

    /** A homogeneous stack with the reference defaults for everything not given. */
    public static ModelConfig of(int vocabSize, int dModel, int nLayers, int numHeads, int seqLen, MixerConfig cell) {
        return new ModelConfig(vocabSize, dModel, nLayers, numHeads, seqLen, true, 0.02, 1e-6, 4, 1, cell, null, 2);
    }

    /** The interleaved hybrid: {@code even} on layers 0, 2, ..., {@code odd} elsewhere (spec §2.4). */
    public static ModelConfig interleaved(int vocabSize, int dModel, int nLayers, int numHeads, int seqLen,
                                          MixerConfig even, MixerConfig odd) {
        return new ModelConfig(vocabSize, dModel, nLayers, numHeads, seqLen, true, 0.02, 1e-6, 4, 2, odd, even, 2);
    }

    public int headDim() {
        return dModel / numHeads;
    }

    public int ffnDim() {
        return ffnMult * dModel;
    }

    /** The mixer config of layer {@code i}. */
    public MixerConfig mixerFor(int layer) {
        return interleaved != null && layer % interleaveStep == 0 ? interleaved : mixer;
    }

    /** Index of layer {@code i} among the layers sharing its mixer config (how per-layer lists are indexed). */
    public int indexWithinCell(int layer) {
        MixerConfig cell = mixerFor(layer);
        int n = 0;
        for (int i = 0; i < layer; i++) if (mixerFor(i) == cell) n++;
        return n;
    }

    /** A copy with another vocabulary size (the tokenizer decides V). */
    public ModelConfig withVocabSize(int v) {
        return new ModelConfig(v, dModel, nLayers, numHeads, seqLen, tieEmbedding, initStd, normEps, ffnMult,
                interleaveStep, mixer, interleaved, eosId);
    }

    /** A copy with the given cells (e.g. a RAT+ model switched to another inference pattern). */
    public ModelConfig withMixers(MixerConfig cell, MixerConfig cell1) {
        return new ModelConfig(vocabSize, dModel, nLayers, numHeads, seqLen, tieEmbedding, initStd, normEps, ffnMult,
                interleaveStep, cell, cell1, eosId);
    }

    private static void validate(int vocabSize, int dModel, int nLayers, int numHeads, int seqLen, double initStd, double normEps,
                                 int ffnMult, int interleaveStep, MixerConfig mixer, MixerConfig interleaved, int eosId) {
        if (vocabSize < 1) throw new ConfigException("'model.vocab_size' must be >= 1, got " + vocabSize);
        if (dModel < 1) throw new ConfigException("'model.d_model' must be >= 1, got " + dModel);
        if (nLayers < 1) throw new ConfigException("'model.n_layers' must be >= 1, got " + nLayers);
        if (numHeads < 1 || dModel % numHeads != 0) {
            throw new ConfigException("'model.num_heads' (" + numHeads + ") must divide 'model.d_model' (" + dModel + ")");
        }
        if ((dModel / numHeads) % 2 != 0) {
            throw new ConfigException("the head size d_model/num_heads = " + dModel / numHeads
                    + " must be even for RoPE; change 'model.num_heads'");
        }
        if (seqLen < 1) throw new ConfigException("'model.seq_len' must be >= 1, got " + seqLen);
        if (ffnMult < 1) throw new ConfigException("'model.ffn_mult' must be >= 1, got " + ffnMult);
        // Projection widths (up to 5·D for RAT's input projection, ffn_mult·D for the FFN) are Java ints.
        if ((long) dModel * Math.max(5, ffnMult) > Integer.MAX_VALUE) {
            throw new ConfigException("'model.d_model' (" + dModel + ") is too large: a projection of " + Math.max(5, ffnMult)
                    + " × d_model columns would exceed 2^31 - 1; use a smaller d_model (or ffn_mult)");
        }
        if (interleaveStep < 1) throw new ConfigException("'model.backbone.interleave_step' must be >= 1, got " + interleaveStep);
        if (mixer == null) throw new ConfigException("missing 'model.backbone.seq_cell' (the layer type)");
        int interleavedLayers = 0;
        if (interleaved != null) {
            for (int i = 0; i < nLayers; i += interleaveStep) interleavedLayers++;
            interleaved.validate(numHeads, interleavedLayers);
        }
        mixer.validate(numHeads, nLayers - interleavedLayers);
        if (eosId < 0 || eosId >= vocabSize) {
            throw new ConfigException("'model.eos_token_id' (" + eosId + ") must be a token id of the vocabulary, in [0, "
                    + vocabSize + "); use the tokenizer's EOS id (2 for LLaMA-2, 50256 for gpt2)");
        }
        // RMSNorm divides by sqrt(mean(x^2) + eps): eps <= 0 can divide by zero, NaN or infinity poisons every output.
        ConfigReader.requirePositive(normEps, "model.norm_eps");
        ConfigReader.requireNonNegative(initStd, "model.init_std");
        int multiple = sequenceMultiple(nLayers, interleaveStep, mixer, interleaved);
        if (seqLen % multiple != 0) {
            int below = seqLen / multiple * multiple;
            throw new ConfigException("'model.seq_len' (" + seqLen + ") must be a multiple of " + multiple + ", the RAT chunk_size "
                    + "(a RAT layer runs whole chunks); set seq_len to " + (below > 0 ? below + " or " : "") + (below + multiple)
                    + ", or choose a chunk_size that divides it");
        }
    }

    // ---------------------------------------------------------------- reading and writing

    /** Reads the {@code model:} level of a config tree (keys not read here are rejected by the caller's finish()). */
    public static ModelConfig read(ConfigReader m) {
        ConfigReader backbone = m.child("backbone");
        MixerConfig cell = Mixers.read(backbone.child("seq_cell"));
        MixerConfig cell1 = backbone.has("seq_cell1") ? Mixers.read(backbone.child("seq_cell1")) : null;
        int step = backbone.getInt("interleave_step", cell1 == null ? 1 : 2);
        ConfigReader hidden = backbone.child("hidden_cell");
        String hiddenType = hidden.getString("type", "ffn");
        if (!hiddenType.equals("ffn")) {
            throw new ConfigException("'" + hidden.path() + ".type' must be 'ffn' (the GELU FFN of spec §2.5), got '" + hiddenType + "'");
        }
        int ffnMult = hidden.getInt("ffn_mult", 4);
        return new ModelConfig(
                m.requireInt("vocab_size"), m.requireInt("d_model"), m.requireInt("n_layers"), m.requireInt("num_heads"),
                m.getInt("seq_len", 4096), m.getBool("tie_embedding", true), m.getDouble("init_std", 0.02),
                m.getDouble("norm_eps", 1e-6), ffnMult, step, cell, cell1, m.getInt("eos_token_id", 2));
    }

    /** The tree {@link #read} accepts. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("vocab_size", vocabSize);
        m.put("d_model", dModel);
        m.put("n_layers", nLayers);
        m.put("num_heads", numHeads);
        m.put("seq_len", seqLen);
        m.put("tie_embedding", tieEmbedding);
        m.put("init_std", initStd);
        m.put("norm_eps", normEps);
        m.put("eos_token_id", eosId);
        Map<String, Object> backbone = new LinkedHashMap<>();
        backbone.put("seq_cell", mixer.toMap());
        if (interleaved != null) {
            backbone.put("seq_cell1", interleaved.toMap());
            backbone.put("interleave_step", interleaveStep);
        }
        backbone.put("hidden_cell", new LinkedHashMap<>(Map.of("type", "ffn", "ffn_mult", ffnMult)));
        m.put("backbone", backbone);
        return m;
    }

    /** {@code config.json}: the model tree, pretty-printed. */
    public String toJson() {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(toMap());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads {@code config.json} as written by {@link #toJson()}. */
    @SuppressWarnings("unchecked")
    public static ModelConfig fromJson(Path file) {
        Map<String, Object> tree;
        try {
            tree = new ObjectMapper().readValue(file.toFile(), Map.class);
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new ConfigException("model config not found: " + file + " (a model directory holds config.json and model.safetensors)");
        } catch (IOException e) {
            throw new ConfigException("cannot parse " + file + " as JSON: " + ConfigException.oneLine(e.getMessage()), e);
        }
        ConfigReader r = new ConfigReader("", tree);
        ModelConfig c = read(r);
        r.finish();
        return c;
    }

    /** Parses a YAML file into a tree, with a clear error for a missing file or bad syntax. */
    public static Map<String, Object> loadYaml(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("config file not found: " + file);
        }
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return loadYaml(in, file.toString());
        } catch (IOException e) {
            throw new ConfigException("cannot read " + file + ": " + ConfigException.oneLine(e.getMessage()), e);
        }
    }

    /** Parses YAML text read from {@code source} (a file name or a class-path resource, for messages) into a tree. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> loadYaml(Reader in, String source) {
        try {
            Object tree = new Yaml(new SafeConstructor(new LoaderOptions())).load(in);
            if (tree == null) return new LinkedHashMap<>();
            if (!(tree instanceof Map)) throw new ConfigException(source + " must hold a mapping of keys to values at the top level");
            return (Map<String, Object>) tree;
        } catch (org.yaml.snakeyaml.error.YAMLException | IllegalArgumentException e) {
            // IllegalArgumentException: SafeConstructor's own value parsing, e.g. !!binary text that is not base64
            throw new ConfigException("invalid YAML in " + source + ": " + ConfigException.oneLine(e.getMessage()), e);
        }
    }

    /**
     * Reads the model of a YAML config file whose top level holds {@code model:} (other top-level sections, which
     * belong to training, are left to their own readers).
     */
    public static ModelConfig fromYaml(Path file) {
        return fromTree(loadYaml(file), file.toString());
    }

    /** Reads the {@code model:} section of a parsed config tree (e.g. one with overrides applied) from {@code source}. */
    public static ModelConfig fromTree(Map<String, Object> tree, String source) {
        if (!tree.containsKey("model")) {
            throw new ConfigException(source + " has no 'model:' section; see configs/model/*.yaml for the format");
        }
        ConfigReader root = new ConfigReader("", tree);
        ConfigReader m = root.child("model");
        ModelConfig c = read(m);
        m.finish();
        return c;
    }

    /** Parameter count with tying as configured (spec §1.6, §3.1, §5.1): the sum of every tensor's size. */
    public long parameterCount() {
        long n = 0;
        for (long[] shape : RatLanguageModel.parameterShapes(this).values()) {
            long size = 1;
            for (long dim : shape) size *= dim;
            n += size;
        }
        return n;
    }

    /** One line for logs: the mixers, e.g. {@code RAT(L=16)} or {@code RAT(L=16) / SWA(W=1024) interleaved every 2}. */
    public String describeMixers() {
        return interleaved == null ? mixer.describe()
                : interleaved.describe() + " / " + mixer.describe() + " interleaved every " + interleaveStep;
    }

    /** The length every sequence must be a multiple of: the lcm of its layers' {@link MixerConfig#sequenceMultiple()}. */
    public int sequenceMultiple() {
        return sequenceMultiple(nLayers, interleaveStep, mixer, interleaved);
    }

    private static int sequenceMultiple(int nLayers, int interleaveStep, MixerConfig mixer, MixerConfig interleaved) {
        int m = 1;
        for (int i = 0; i < nLayers; i++) {
            m = lcm(m, (interleaved != null && i % interleaveStep == 0 ? interleaved : mixer).sequenceMultiple());
        }
        return m;
    }

    private static int lcm(int a, int b) {
        int x = a;
        int y = b;
        while (y != 0) {
            int t = x % y;
            x = y;
            y = t;
        }
        return a / x * b;
    }

    @Override
    public String toString() {
        return toMap().toString();
    }

    /** Reads config.json text (used for checkpoints that embed it). */
    @SuppressWarnings("unchecked")
    public static ModelConfig fromJsonText(String json) {
        try {
            Map<String, Object> tree = new ObjectMapper().readValue(json, Map.class);
            ConfigReader r = new ConfigReader("", tree);
            ModelConfig c = read(r);
            r.finish();
            return c;
        } catch (IOException e) {
            throw new ConfigException("invalid model config JSON: " + ConfigException.oneLine(e.getMessage()), e);
        }
    }
}
