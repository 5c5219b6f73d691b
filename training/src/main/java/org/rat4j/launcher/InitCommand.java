package org.rat4j.launcher;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.nd4j.linalg.api.buffer.DataType;
import org.rat4j.cli.Subcommand;
import org.rat4j.config.ConfigException;
import org.rat4j.model.ModelConfig;
import org.rat4j.data.tokenizer.ModelTokenizers;
import org.rat4j.data.tokenizer.Tokenizer;
import org.rat4j.io.ModelIO;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.train.MemoryCheck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import static org.rat4j.cli.CliOptions.*;

/** {@code rat4j init}: writes a freshly initialised model directory. */
public final class InitCommand implements Subcommand {
    private static final Logger LOG = LoggerFactory.getLogger(InitCommand.class);

    @Override
    public String name() {
        return "init";
    }

    @Override
    public String summary() {
        return "write a freshly initialised model (config.json + model.safetensors + its tokenizer)";
    }

    @Override
    public int run(String[] args) throws Exception {
        Options o = new Options();
        o.addOption(required("config", "FILE", "YAML config with a 'model:' section (see configs/model/)"));
        o.addOption(optional("seed", "N", "initialisation seed (default 1005, the reference's)"));
        o.addOption(required("out", "DIR", "model directory to write"));
        o.addOption(flag("overwrite", "replace an existing model in DIR"));
        o.addOption(optional("tokenizer", "FILE", "tokenizer to store with the model: a tokenizer file, 'gpt2', 'default' or "
                + "'none' (default: the default tokenizer when it fits vocab_size and eos_token_id, else none)"));
        CommandLine cl = parse(name(), "Initialises a model as the reference does (N(0, 0.02), gate-bias inits) and saves it.", o, args);
        if (cl == null) return 0;
        ModelConfig config = ModelConfig.fromYaml(Path.of(cl.getOptionValue("config")));
        Path out = Path.of(cl.getOptionValue("out"));
        if (Files.exists(out.resolve(ModelIO.WEIGHTS)) && !cl.hasOption("overwrite")) {
            throw new ConfigException(out + " already holds a model; pass --overwrite to replace it or choose another --out");
        }
        MemoryCheck.require(config, DataType.FLOAT, MemoryCheck.Use.MODEL);
        long seed = longValue(cl, "seed", 1005);
        Tokenizer tokenizer = ModelTokenizers.forNewModel(config, cl.getOptionValue("tokenizer"));
        LOG.info("initialising {} parameters (seed {})", config.parameterCount(), seed);
        Activity.set(String.format(Locale.ROOT, "initialising a model of %,d parameters", config.parameterCount()),
                "lower the model's sizes (model.vocab_size, model.d_model, model.n_layers)");
        RatLanguageModel model = RatLanguageModel.initialize(config, seed, DataType.FLOAT);
        Activity.set("writing the model to " + out, null);
        LOG.info("wrote {} to {}", String.join(", ", ModelTokenizers.save(model, tokenizer, out)), out);
        return 0;
    }
}
