package org.rat4j.launcher;

import org.rat4j.zoo.RatZooModel;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.nd4j.linalg.api.buffer.DataType;
import org.rat4j.config.ConfigException;
import org.rat4j.io.ModelIO;
import org.rat4j.io.TokenizerEntry;
import org.rat4j.model.ModelConfig;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.train.Checkpoints;
import org.rat4j.train.MetricsLog;
import org.rat4j.train.Trainer;
import org.rat4j.zoo.RatZoo;
import org.rat4j.zoo.ZooBundle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The model card ({@code README.md}) of a zoo bundle: what the model is (config, parameter count, zoo architecture),
 * its files and checksums, the Java lines that load it, its tokenizer, what it was trained on (from the run folder,
 * when the model directory is a run's {@code final/} or one of its checkpoints) and its evaluation results
 * ({@value #EVAL_RESULTS} in the model directory or its run folder), or a line saying there are none.
 */
final class ModelCard {
    private static final Logger LOG = LoggerFactory.getLogger(ModelCard.class);
    /** Where evaluation results are looked for, relative to the model directory and to its run folder. */
    static final String EVAL_RESULTS = "eval/results.json";
    /** The card's file name in the bundle. */
    static final String README = "README.md";
    static final String NO_EVALUATION = "**No evaluation results.**";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ModelCard() {
    }

    /**
     * The card's Markdown.
     *
     * @param name   the bundle's name
     * @param model  the exported model
     * @param source the model directory it was exported from
     * @param tokenizer the tokenizer entry of {@code source}, verified, which the bundle carries
     * @param zip    the bundle's zip as written
     * @param url    where the zip will be served (the Java lines use it)
     */
    static String of(String name, RatLanguageModel model, Path source, Optional<TokenizerEntry> tokenizer, ZooBundle.Written zip,
                     String url) {
        ModelConfig c = model.config();
        Optional<RatZoo> arch = RatZoo.matching(c);
        StringBuilder md = new StringBuilder();
        md.append("# ").append(name).append("\n\n");
        md.append(String.format(Locale.ROOT, "A rat4j language model: %s, %d layers, d_model %d, %d heads, vocabulary %d, "
                        + "trained context %d tokens. **%,d parameters** (%s).%n%n", c.describeMixers(), c.nLayers(), c.dModel(),
                c.numHeads(), c.vocabSize(), c.seqLen(), c.parameterCount(), model.dataType() == DataType.DOUBLE ? "float64" : "float32"));
        md.append(arch.map(a -> "Architecture: `" + a.id() + "` of rat4j's DL4J model zoo (`RatZoo." + a.name()
                        + "`, configs/model/" + a.id() + ".yaml" + (a.config().seqLen() == c.seqLen() ? "" : ", trained at seq_len "
                        + c.seqLen() + " instead of " + a.config().seqLen()) + ").")
                .orElse("Architecture: not one of rat4j's zoo configs; `config.json` describes it.")).append("\n\n");
        md.append("Exported by `rat4j export --format zoo` from `").append(source).append("`.\n\n");

        md.append("## Files\n\n| file | bytes | checksum |\n|---|---|---|\n");
        String zipName = zip.zip().getFileName().toString();
        md.append("| `").append(zipName).append("` | ").append(zip.bytes()).append(" | Adler32 ").append(zip.adler32())
                .append(" (what DL4J's zoo checks), SHA-256 `").append(zip.sha256()).append("` |\n");
        md.append("| `").append(zipName).append(ZooBundle.CHECKSUM_SUFFIX).append("` | | the Adler32, for scripts |\n");
        md.append("| `").append(ModelIO.CONFIG).append("` | | the model config (below) |\n\n");
        md.append("The zip is DL4J's `ModelSerializer` format: a `ComputationGraph` with input `ids` (token ids as floats, "
                + "`[batch, 1, T]`) and one output layer `lm` (logits `[batch, vocabulary, T]`), without updater state.\n\n");

        md.append("## Load it in DL4J\n\n```java\n");
        md.append("// org.rat4j:rat-samediff and an ND4J backend on the class path; docs/models.md, \"The DL4J model zoo\"\n");
        md.append("ComputationGraph net = ").append(javaLoad(name, c, url, zip.adler32()).replace(".pretrained", "\n        .pretrained")
                .replace(".initPretrained", "\n        .initPretrained")).append(";\n```\n\n");
        md.append("The zip is downloaded once into DL4J's resource directory (`~/.deeplearning4j/models/rat4j-")
                .append(arch.map(RatZoo::id).orElse(name)).append("/`) and verified. To fine-tune, give the graph an updater "
                        + "with DL4J's `TransferLearning` (docs/models.md).\n\n");

        md.append("## Tokenizer\n\n").append(tokenizer(tokenizer)).append("\n\n");
        md.append("## Training\n\n").append(training(source)).append("\n\n");
        md.append("## Evaluation\n\n").append(evaluation(source)).append("\n\n");
        md.append("## Config\n\n```json\n").append(c.toJson()).append("\n```\n");
        return md.toString();
    }

    /**
     * The Java expression that pulls the bundle into a ComputationGraph: {@code RatZoo.X.model()} for a zoo
     * architecture, else {@code RatZooModel.of(name, the bundle's config.json)}, then {@code .pretrained(url, adler32)}.
     */
    static String javaLoad(String name, ModelConfig c, String url, long adler32) {
        String zoo = RatZoo.matching(c).map(a -> "RatZoo." + a.name() + ".model()")
                .orElse("RatZooModel.of(\"" + name + "\", ModelConfig.fromJson(Path.of(\"" + ModelIO.CONFIG + "\")))");
        return zoo + ".pretrained(\"" + url + "\", " + adler32 + "L).initPretrained()";
    }

    private static String tokenizer(Optional<TokenizerEntry> t) {
        return t.map(e -> "`" + e.id() + "` (SHA-256 `" + e.sha256() + "`" + (e.isBuiltin() ? ", built into rat4j as `" + e.builtin() + "`" : "")
                        + "). The ids the model reads and writes are this tokenizer's. This bundle carries it: `"
                        + ModelIO.TOKENIZER_INFO + "`" + (e.isBuiltin() ? " (a checksummed reference to the built-in)" : " and its file `"
                        + ModelIO.TOKENIZER_FILE + "`") + "; `ModelTokenizers.of(bundleDir, config)` (rat4j-datasets) loads it.")
                .orElse("None stored with the model: rat4j reads it with its default tokenizer (LLaMA-2's, 32,000 ids).");
    }

    /**
     * What the run that made the model was trained on: a checkpoint's {@code trainer.json}, or for a run's
     * {@code final/} the run folder's {@code config.yaml} and {@code metrics.csv}.
     */
    static String training(Path source) {
        try {
            Path state = source.resolve(Checkpoints.STATE);
            if (Files.isRegularFile(state)) {
                JsonNode s = JSON.readTree(state.toFile());
                return describeRun("`" + state + "` (the checkpoint's trainer state)", JSON.convertValue(s.path("config"), Map.class),
                        runFolder(source), s.path("step").asInt(Integer.MAX_VALUE));
            }
            Path run = runFolder(source);
            Path config = run == null ? null : run.resolve(Trainer.CONFIG_COPY);
            if (config != null && Files.isRegularFile(config)) {
                return describeRun("`" + config + "` (the run that wrote this model)", ModelConfig.loadYaml(config), run, Integer.MAX_VALUE);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("the run folder of {} is unreadable ({}); the model card says so", source, e.getMessage());
            return "The run folder next to the model could not be read (" + ConfigException.oneLine(String.valueOf(e.getMessage()))
                    + "): the training data is not recorded.";
        }
        return "No run folder next to the model (no `" + Checkpoints.STATE + "` in it, no `" + Trainer.CONFIG_COPY
                + "` in its parent): the training data is not recorded.";
    }

    @SuppressWarnings("unchecked")
    private static String describeRun(String from, Map<String, Object> config, Path run, int upToStep) throws IOException {
        StringBuilder sb = new StringBuilder("From ").append(from).append(":\n\n");
        Object data = config == null ? null : config.get("data");
        if (data instanceof Map<?, ?> d) {
            DumperOptions o = new DumperOptions();
            o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
            sb.append("```yaml\n").append(new Yaml(o).dump(Map.of("data", d))).append("```\n\n");
        } else {
            sb.append("The run's config has no `data` section.\n\n");
        }
        Map<String, Object> train = config != null && config.get("train") instanceof Map<?, ?> t ? (Map<String, Object>) t : Map.of();
        Map<String, Object> model = config != null && config.get("model") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        sb.append("Configured for ").append(train.getOrDefault("steps", "?")).append(" steps of ")
                .append(train.getOrDefault("batch_size", "?")).append(" sequences of ").append(model.getOrDefault("seq_len", "?"))
                .append(" tokens.");
        MetricsLog metrics = new MetricsLog(run);
        metrics.loadUpTo(upToStep);
        if (!metrics.rows().isEmpty()) {
            MetricsLog.Row last = metrics.rows().get(metrics.rows().size() - 1);
            sb.append(String.format(Locale.ROOT, " Trained %d steps, %,d tokens (`%s`).", last.step(), last.tokens(), metrics.file()));
            for (int i = metrics.rows().size() - 1; i >= 0; i--) {
                MetricsLog.Row r = metrics.rows().get(i);
                if (Double.isFinite(r.valLoss())) {
                    sb.append(String.format(Locale.ROOT, " Validation during training: loss %.4f (perplexity %.2f) at step %d.",
                            r.valLoss(), r.valPerplexity(), r.step()));
                    break;
                }
            }
        }
        return sb.toString();
    }

    /** The run folder a model directory would belong to: RUN for RUN/final, RUN/checkpoints/step-N; null at the root. */
    private static Path runFolder(Path source) {
        Path parent = source.toAbsolutePath().normalize().getParent();
        return parent != null && Files.isRegularFile(source.resolve(Checkpoints.STATE)) ? parent.getParent() : parent;
    }

    /** The evaluation results next to the model, pretty-printed, or the line saying there are none. */
    static String evaluation(Path source) {
        Path run = runFolder(source);
        for (Path f : run == null ? new Path[]{source.resolve(EVAL_RESULTS)} : new Path[]{source.resolve(EVAL_RESULTS), run.resolve(EVAL_RESULTS)}) {
            if (!Files.isRegularFile(f)) continue;
            try {
                return "From `" + f + "`:\n\n```json\n" + JSON.writeValueAsString(JSON.readTree(f.toFile())) + "\n```";
            } catch (IOException e) {
                throw new ConfigException(f + " is not readable JSON (" + ConfigException.oneLine(e.getMessage())
                        + "); fix or remove it, it would go into the model card");
            }
        }
        return NO_EVALUATION + " None was found (`" + EVAL_RESULTS + "` in the model directory or its run folder); "
                + "the validation loss under Training, if any, is the only measurement.";
    }
}
