package org.rat4j.launcher;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.nd4j.linalg.api.buffer.DataType;
import org.rat4j.cli.Console;
import org.rat4j.cli.Subcommand;
import org.rat4j.config.ConfigException;
import org.rat4j.config.ConfigReader;
import org.rat4j.dl4j.Dl4jFormat;
import org.rat4j.io.AtomicFiles;
import org.rat4j.io.ModelIO;
import org.rat4j.io.TokenizerEntry;
import org.rat4j.io.SafeTensors;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.train.Checkpoints;
import org.rat4j.zoo.ZooBundle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static org.rat4j.cli.CliOptions.*;

/**
 * {@code rat4j export}: a model directory in another form. {@code dl4j} writes DL4J's zip ({@link Dl4jFormat#save});
 * {@code zoo} a bundle for DL4J's model zoo ({@link ZooBundle} plus the {@link ModelCard}); {@code safetensors} a
 * clean model folder (weights, config and the tokenizer, without a checkpoint's optimizer state). Everything is
 * written atomically: the zip through a temporary file, a folder as a temporary folder renamed into place. An
 * existing {@code --out} is refused unless {@code --overwrite}, which replaces only what an export of the same
 * format wrote, never an unrelated folder.
 */
public final class ExportCommand implements Subcommand {
    private static final Logger LOG = LoggerFactory.getLogger(ExportCommand.class);

    /** The forms a model can be exported to. */
    enum Format {
        DL4J("DL4J's ModelSerializer zip of the ComputationGraph (one file)", name -> false),
        ZOO("a DL4J model zoo bundle: NAME.zip, NAME.zip.adler32, config.json and a README.md model card (a folder)",
                name -> name.equals(ModelCard.README) || name.equals(ModelIO.CONFIG) || name.endsWith(".zip")
                        || name.endsWith(".zip" + ZooBundle.CHECKSUM_SUFFIX)),
        SAFETENSORS("a model folder: config.json, model.safetensors and the tokenizer (a folder)",
                name -> List.of(ModelIO.CONFIG, ModelIO.WEIGHTS, ModelIO.TOKENIZER_INFO, ModelIO.TOKENIZER_FILE).contains(name));

        final String description;
        /** The file names an earlier export of this format writes: what --overwrite may replace. */
        final Predicate<String> writes;

        Format(String description, Predicate<String> writes) {
            this.description = description;
            this.writes = writes;
        }

        String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        static Format of(String s) {
            for (Format f : values()) if (f.id().equals(s)) return f;
            String near = ConfigReader.nearest(s, Arrays.stream(values()).map(Format::id).toList());
            throw new ConfigException("unknown --format '" + s + "'" + (near == null ? "" : "; did you mean '" + near + "'?")
                    + " (dl4j, zoo or safetensors)");
        }
    }

    @Override
    public String name() {
        return "export";
    }

    @Override
    public String summary() {
        return "write a model directory as a DL4J zip, a DL4J model zoo bundle or a clean safetensors folder";
    }

    @Override
    public int run(String[] args) throws Exception {
        Options o = new Options();
        o.addOption(optional("model", "DIR", "the model directory to export (a run's final/, a checkpoint, an import)"));
        o.addOption(optional("format", "FORMAT", "dl4j: " + Format.DL4J.description + "; zoo: " + Format.ZOO.description
                + "; safetensors: " + Format.SAFETENSORS.description));
        o.addOption(optional("out", "PATH", "the file (dl4j) or folder (zoo, safetensors) to write"));
        o.addOption(flag("overwrite", "replace an existing --out written by an earlier export of the same format"));
        o.addOption(optional("name", "NAME", "zoo: the bundle's name, NAME.zip (default: the --out folder's name)"));
        o.addOption(optional("url", "URL", "zoo: where NAME.zip will be served, for the model card's Java lines "
                + "(default: its file: URL in --out)"));
        CommandLine cl = parse(name(), "Exports a model directory (docs/models.md, \"The DL4J model zoo\"). The weights keep "
                + "their precision (float32, or float64 for a float64 model).", o, args);
        if (cl == null) return 0;
        if (!cl.hasOption("model") || !cl.hasOption("format") || !cl.hasOption("out")) {
            throw new ConfigException("--model DIR, --format dl4j|zoo|safetensors and --out PATH are required");
        }
        Format format = Format.of(cl.getOptionValue("format"));
        Path dir = Path.of(cl.getOptionValue("model"));
        Path out = Path.of(cl.getOptionValue("out"));
        if (format != Format.ZOO && (cl.hasOption("name") || cl.hasOption("url"))) {
            throw new ConfigException("--name and --url belong to --format zoo");
        }
        String bundleName = format == Format.ZOO ? ZooBundle.checkName(cl.getOptionValue("name", fileName(out))) : null;
        checkTarget(format, dir, out, cl.hasOption("overwrite"));

        RatLanguageModel model = ModelIO.load(dir, precision(dir));
        LOG.info("loaded {}: {}, {} parameters, {}", dir, model.config().describeMixers(), model.parameterCount(),
                model.dataType().name().toLowerCase(Locale.ROOT));
        switch (format) {
            case DL4J -> {
                Dl4jFormat.save(model, out);
                Console.stdout().println("wrote " + out + " (" + Files.size(out) + " bytes): ModelSerializer.restoreComputationGraph "
                        + "reads it, Dl4jFormat.load gives the rat4j model back");
            }
            case ZOO -> {
                String zip = ZooBundle.zipName(bundleName);
                String url = cl.getOptionValue("url", out.toAbsolutePath().normalize().resolve(zip).toUri().toString());
                ZooBundle.Written[] written = new ZooBundle.Written[1];
                List<String> tokenizerFiles = new ArrayList<>();
                Optional<TokenizerEntry> tokenizer = ModelIO.tokenizer(dir);                // verified once, carried and described
                Checkpoints.writeDirectory(out, tmp -> {
                    written[0] = ZooBundle.write(model, bundleName, tmp);
                    tokenizerFiles.addAll(ModelIO.saveTokenizer(tmp, tokenizer.orElse(null)));
                    AtomicFiles.writeString(tmp.resolve(ModelCard.README), ModelCard.of(bundleName, model, dir, tokenizer, written[0], url));
                });
                Console.stdout().println("wrote " + out + ": " + zip + " (" + written[0].bytes() + " bytes, Adler32 " + written[0].adler32()
                        + "), " + zip + ZooBundle.CHECKSUM_SUFFIX + ", " + ModelIO.CONFIG + ", "
                        + tokenizerFiles.stream().map(f -> f + ", ").collect(Collectors.joining()) + ModelCard.README);
                Console.stdout().println("load it in DL4J with: "
                        + ModelCard.javaLoad(bundleName, model.config(), url, written[0].adler32()));
            }
            case SAFETENSORS -> {
                var tokenizer = ModelIO.tokenizer(dir);
                if (tokenizer.isEmpty()) LOG.warn("{} stores no tokenizer; the export reads with the default tokenizer as the source does", dir);
                Checkpoints.writeDirectory(out, tmp -> ModelIO.save(model, tmp, tokenizer.orElse(null)));
                try (Stream<Path> files = Files.list(out)) {
                    Console.stdout().println("wrote " + out + ": " + String.join(", ", files.map(p -> p.getFileName().toString()).sorted().toList()));
                }
            }
        }
        return 0;
    }

    /** The precision the weights are stored in: float64 when model.safetensors holds F64 tensors, else float32. */
    private static DataType precision(Path dir) throws IOException {
        Path weights = dir.resolve(ModelIO.WEIGHTS);
        if (!Files.isRegularFile(weights)) return DataType.FLOAT; // ModelIO.load names the problem
        return SafeTensors.header(weights).stream().anyMatch(e -> e.dtype().equals("F64")) ? DataType.DOUBLE : DataType.FLOAT;
    }

    private static String fileName(Path p) {
        Path f = p.toAbsolutePath().normalize().getFileName();
        return f == null ? "" : f.toString();
    }

    /**
     * Refuses, before anything is read or written: an existing {@code out} without {@code --overwrite}; with it, an
     * {@code out} that an export of this format did not write (a folder holding other files, a folder where a zip
     * goes); and {@code out} being the model directory itself.
     */
    static void checkTarget(Format format, Path model, Path out, boolean overwrite) throws IOException {
        if (Files.exists(model) && Files.exists(out) && Files.isSameFile(model, out)) {
            throw new ConfigException("--out " + out + " is the model directory itself; choose another --out");
        }
        if (!Files.exists(out, NOFOLLOW_LINKS)) return;
        if (!overwrite) {
            throw new ConfigException(out + " already exists; pass --overwrite to replace it or choose another --out");
        }
        if (format == Format.DL4J) {
            if (!Files.isRegularFile(out, NOFOLLOW_LINKS)) {
                throw new ConfigException(out + " is not a file; --format dl4j writes one zip file, choose another --out");
            }
            return;
        }
        if (!Files.isDirectory(out, NOFOLLOW_LINKS)) {
            throw new ConfigException(out + " is not a folder; --format " + format.id() + " writes a folder, choose another --out");
        }
        try (Stream<Path> entries = Files.list(out)) {
            List<String> foreign = entries.filter(p -> !Files.isRegularFile(p, NOFOLLOW_LINKS)
                    || !format.writes.test(p.getFileName().toString())).map(p -> p.getFileName().toString()).sorted().toList();
            if (!foreign.isEmpty()) {
                throw new ConfigException(out + " holds " + foreign.get(0) + (foreign.size() > 1 ? " and " + (foreign.size() - 1) + " more" : "")
                        + ", which an export --format " + format.id() + " does not write; --overwrite replaces only an earlier "
                        + "export, choose another --out");
            }
        }
    }
}
