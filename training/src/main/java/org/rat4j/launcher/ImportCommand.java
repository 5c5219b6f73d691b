package org.rat4j.launcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.rat4j.cli.Console;
import org.rat4j.cli.Subcommand;
import org.rat4j.config.ConfigException;
import org.rat4j.model.ModelConfig;
import org.rat4j.data.tokenizer.ModelTokenizers;
import org.rat4j.data.tokenizer.Tokenizer;
import org.rat4j.io.ModelIO;
import org.rat4j.io.torch.StateDictImport;
import org.rat4j.io.torch.TorchCheckpoint;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.train.config.ConfigComposer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.rat4j.cli.CliOptions.*;

/**
 * {@code rat4j import}: converts a PyTorch checkpoint of the reference code (a {@code torch.save} zip) into a rat4j
 * model directory. The pickle is read by {@link org.rat4j.io.torch.RestrictedUnpickler}, which refuses any global
 * outside a tensor state dict's, so importing never runs code; the names are mapped by {@link StateDictImport}.
 * Every check runs before the output directory is created, so a refused or mismatched checkpoint writes nothing.
 */
public final class ImportCommand implements Subcommand {
    private static final Logger LOG = LoggerFactory.getLogger(ImportCommand.class);

    @Override
    public String name() {
        return "import";
    }

    @Override
    public String summary() {
        return "convert a reference PyTorch checkpoint (.pth) into a model directory, never running its code";
    }

    @Override
    public int run(String[] args) throws Exception {
        Options o = new Options();
        o.addOption(optional("from", "FILE", "the torch.save checkpoint (.pth) to import"));
        o.addOption(optional("config", "FILE", "YAML config with a 'model:' section describing the checkpoint's model"
                + " (configs/model/rat-xl.yaml, ratplus-1b.yaml, ...)"));
        o.addOption(optional("out", "DIR", "model directory to write (config.json + model.safetensors)"));
        o.addOption(flag("overwrite", "replace an existing model in DIR"));
        o.addOption(optional("tokenizer", "FILE", "tokenizer to store with the model: a tokenizer file, 'gpt2', 'default' or "
                + "'none' (default: the default tokenizer when it fits vocab_size and eos_token_id, else none)"));
        o.addOption(flag("list", "print the checkpoint's tensors under rat4j names, with shapes and dtypes, and stop"));
        CommandLine cl = parse(name(), "Imports a checkpoint of CLAIRE-Labo/RAT or wimh966/rat-plus (docs/models.md). "
                + "Extra arguments are overrides of the config: key=value (model.backbone.seq_cell.dilation_size=16).", o, args);
        if (cl == null) return 0;
        if (!cl.hasOption("from")) throw new ConfigException("--from FILE is required: the .pth checkpoint to import");
        Path from = Path.of(cl.getOptionValue("from"));
        if (cl.hasOption("list")) {
            try (TorchCheckpoint checkpoint = TorchCheckpoint.open(from)) {
                list(checkpoint, Console.stdout());
            }
            return 0;
        }
        if (!cl.hasOption("config") || !cl.hasOption("out")) {
            throw new ConfigException("--config FILE and --out DIR are required (or --list to see the checkpoint's tensors)");
        }
        ModelConfig config = config(Path.of(cl.getOptionValue("config")), cl.getArgList().toArray(String[]::new));
        Tokenizer tokenizer = ModelTokenizers.forNewModel(config, cl.getOptionValue("tokenizer"));
        Path out = Path.of(cl.getOptionValue("out"));
        if (Files.exists(out.resolve(ModelIO.WEIGHTS)) && !cl.hasOption("overwrite")) {
            throw new ConfigException(out + " already holds a model; pass --overwrite to replace it or choose another --out");
        }
        RatLanguageModel model;
        try (TorchCheckpoint checkpoint = TorchCheckpoint.open(from)) {
            StateDictImport.Plan plan = StateDictImport.plan(checkpoint, config);
            plan.notes().forEach(n -> LOG.info("{}: {}", from.getFileName(), n));
            try (ProgressBar bar = new ProgressBarBuilder().setTaskName("import").setInitialMax(plan.sources().size())
                    .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err)).build()) {
                model = plan.load(tensor -> bar.step());
            }
        }
        List<String> files = ModelTokenizers.save(model, tokenizer, out);
        LOG.info("wrote {} ({} parameters) to {}: {}", from.getFileName(), model.parameterCount(), out, String.join(", ", files));
        return 0;
    }

    /** The model config of a YAML file with {@code key=value} overrides applied. */
    static ModelConfig config(Path file, String[] overrides) {
        Map<String, Object> tree = ModelConfig.loadYaml(file);
        for (String ov : overrides) ConfigComposer.applyOverride(tree, ov);
        return ModelConfig.fromTree(tree, file.toString());
    }

    /**
     * Prints the mapped tensors and, when the checkpoint carries the reference trainer's {@code config} (an EasyDict
     * of the Hydra config), its {@code model} section, which says which rat4j config to pass.
     */
    static void list(TorchCheckpoint checkpoint, PrintStream out) throws IOException {
        StateDictImport.StateDict sd = StateDictImport.stateDict(checkpoint);
        if (checkpoint.root() instanceof Map<?, ?> top && top.get("config") instanceof Map<?, ?> cfg && cfg.get("model") != null) {
            out.println("# the checkpoint's own config (reference names): model = " + new ObjectMapper().writeValueAsString(cfg.get("model")));
        }
        sd.notes().forEach(n -> out.println("# " + n));
        sd.tensors().forEach((name, s) -> out.println(name + " " + Arrays.toString(s.shape()) + " " + s.dtype()));
        sd.nonTensors().forEach((name, what) -> out.println(name + " (" + what + ", not a tensor)"));
    }
}
