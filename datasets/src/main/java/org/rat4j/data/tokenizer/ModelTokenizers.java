package org.rat4j.data.tokenizer;

import org.rat4j.config.ConfigException;
import org.rat4j.model.ModelConfig;
import org.rat4j.io.Checksums;
import org.rat4j.io.ModelIO;
import org.rat4j.io.TokenizerEntry;
import org.rat4j.model.RatLanguageModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Model directories with their tokenizer: what {@link ModelIO}'s tokenizer entry means. A tokenizer read from a
 * file is stored as a copy of that file; GPT-2's, which lives in the jtokkit jar, as a reference (name and SHA-256
 * of its rank table). Loading gives the stored tokenizer, or for a directory that stores none (written before
 * rat4j stored tokenizers) the default LLaMA-2 one with a warning; either way it must fit the model's vocabulary.
 */
public final class ModelTokenizers {
    private static final Logger LOG = LoggerFactory.getLogger(ModelTokenizers.class);

    private ModelTokenizers() {
    }

    /**
     * How {@code tokenizer} is stored with a model: a file copy, or a built-in reference; null for no tokenizer and
     * for one made in memory (it has no bytes to store; such a directory loads with the default tokenizer).
     */
    public static TokenizerEntry entry(Tokenizer tokenizer) {
        if (tokenizer == null) return null;
        if (tokenizer instanceof Gpt2Tokenizer) return TokenizerEntry.ofBuiltin(tokenizer.id(), tokenizer.hash(), Gpt2Tokenizer.NAME);
        if (tokenizer.file() != null) return TokenizerEntry.ofFile(tokenizer.id(), tokenizer.hash(), tokenizer.file());
        LOG.warn("tokenizer {} was not read from a tokenizer file, so it cannot be stored with the model; the model directory "
                + "will load with the default tokenizer", tokenizer.id());
        return null;
    }

    /** Saves a model directory with its tokenizer ({@link ModelIO#save(RatLanguageModel, Path, TokenizerEntry)}). */
    public static List<String> save(RatLanguageModel model, Tokenizer tokenizer, Path dir) throws IOException {
        if (tokenizer != null) requireCompatible(tokenizer, model.config(), "the model being saved",
                "save it with the tokenizer it was trained with");
        return ModelIO.save(model, dir, entry(tokenizer));
    }

    /** The tokenizer of a model directory, checked against its config ({@link #of(Path, ModelConfig, String)}). */
    public static Tokenizer of(Path dir, ModelConfig config) {
        return of(dir, config, null);
    }

    /**
     * The tokenizer to use with the model in {@code dir}: {@code override} when given (a tokenizer file, {@code gpt2}
     * or {@code default}), else the stored one, else the default tokenizer with a logged warning. A tokenizer that
     * does not fit {@code config} (more ids than {@code vocab_size}, another EOS id) is a {@link ConfigException}.
     */
    public static Tokenizer of(Path dir, ModelConfig config, String override) {
        Optional<TokenizerEntry> stored = ModelIO.tokenizer(dir);
        Tokenizer t;
        String source;
        if (override != null && !override.isBlank()) {
            t = Tokenizers.resolve(override);
            source = "--tokenizer " + override;
            if (stored.isPresent() && !stored.get().sha256().equals(t.hash())) {
                LOG.warn("using {} ({}) instead of the tokenizer {} stored with the model in {}", source, t.id(), stored.get().id(), dir);
            }
        } else if (stored.isPresent()) {
            t = resolve(stored.get(), dir);
            source = "stored with the model";
        } else {
            LOG.warn("{} stores no tokenizer (it was saved before rat4j stored tokenizers with models, or without one); "
                    + "using the default tokenizer. Save it again with its tokenizer, or pass --tokenizer", dir);
            t = Tokenizers.loadDefault();
            source = "the default, as " + dir + " stores none";
        }
        requireCompatible(t, config, "the model in " + dir + " (tokenizer: " + source + ")",
                "pass --tokenizer with the tokenizer the model was trained with");
        return t;
    }

    /** The value of {@code --tokenizer} that stores no tokenizer with a new model. */
    public static final String NONE = "none";

    /**
     * The tokenizer to store with a model made without one ({@code rat4j init}, {@code rat4j import}): the one
     * {@code spec} names ({@value #NONE}: none), else the default tokenizer when it is installed and fits the model
     * exactly (same vocabulary size and EOS, as the papers' LLaMA-2 models), else none; null means none.
     */
    public static Tokenizer forNewModel(ModelConfig config, String spec) {
        if (spec != null && !spec.isBlank()) {
            if (spec.equals(NONE)) return null;
            Tokenizer t = Tokenizers.resolve(spec);
            requireCompatible(t, config, "the model", "pass the model's tokenizer with --tokenizer, or --tokenizer " + NONE);
            return t;
        }
        if (!Tokenizers.defaultAvailable()) {
            LOG.info("no tokenizer stored with the model: the default tokenizer is not installed (pass --tokenizer FILE to store one)");
            return null;
        }
        Tokenizer d = Tokenizers.loadDefault();
        if (d.vocabSize() == config.vocabSize() && d.eosId() == config.eosId()) return d;
        LOG.info("no tokenizer stored with the model: the default {} ({} ids, EOS {}) does not fit vocab_size {} and "
                + "eos_token_id {}; pass --tokenizer FILE to store one", d.id(), d.vocabSize(), d.eosId(), config.vocabSize(), config.eosId());
        return null;
    }

    /** The tokenizer a verified entry names. */
    static Tokenizer resolve(TokenizerEntry e, Path dir) {
        if (!e.isBuiltin()) return Tokenizers.load(e.file(), e.sha256());
        if (!e.builtin().equals(Gpt2Tokenizer.NAME)) {
            throw new ConfigException(dir + " names the built-in tokenizer '" + e.builtin() + "', which this rat4j does not have "
                    + "(built in: " + Gpt2Tokenizer.NAME + "); pass --tokenizer with the model's tokenizer file");
        }
        Tokenizer t = Gpt2Tokenizer.get();
        if (!t.hash().equals(e.sha256())) {
            throw new ConfigException(dir + " was saved with a GPT-2 rank table of SHA-256 " + Checksums.abbreviate(e.sha256())
                    + " but this rat4j's jtokkit has " + Checksums.abbreviate(t.hash()) + "; the ids would differ. Use the "
                    + "jtokkit version the model was saved with");
        }
        return t;
    }

    /**
     * Every id of the tokenizer must be a model id, and EOS must be the same id; a tokenizer with fewer ids than the
     * model (a padded vocabulary) is allowed with a warning.
     *
     * @param model what the tokenizer is checked against, for the message
     * @param fix   what the user should do, appended to the message
     */
    public static void requireCompatible(Tokenizer tokenizer, ModelConfig config, String model, String fix) {
        requireCompatible(tokenizer, config, model, fix, fix);
    }

    /** As {@link #requireCompatible(Tokenizer, ModelConfig, String, String)}, with separate advice for each problem. */
    public static void requireCompatible(Tokenizer tokenizer, ModelConfig config, String model, String vocabFix, String eosFix) {
        if (tokenizer.vocabSize() > config.vocabSize()) {
            throw new ConfigException("the tokenizer " + tokenizer.id() + " has " + tokenizer.vocabSize() + " ids but " + model
                    + " has vocab_size " + config.vocabSize() + "; " + vocabFix);
        }
        if (tokenizer.eosId() != config.eosId()) {
            throw new ConfigException("the tokenizer " + tokenizer.id() + "'s EOS id is " + tokenizer.eosId() + " but " + model
                    + " has eos_token_id " + config.eosId() + "; " + eosFix);
        }
        if (tokenizer.vocabSize() < config.vocabSize()) {
            LOG.warn("the tokenizer has {} ids and {} {}: {} embeddings are never used", tokenizer.vocabSize(), model,
                    config.vocabSize(), config.vocabSize() - tokenizer.vocabSize());
        }
    }
}
