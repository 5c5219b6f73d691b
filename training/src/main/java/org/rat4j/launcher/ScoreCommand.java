package org.rat4j.launcher;

import org.rat4j.cli.Subcommand;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.OptionGroup;
import org.apache.commons.cli.Options;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.rat4j.config.ConfigException;
import org.rat4j.data.tokenizer.ModelTokenizers;
import org.rat4j.io.ModelIO;
import org.rat4j.io.Npy;
import org.rat4j.model.RatLanguageModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

import static org.rat4j.cli.CliOptions.*;

/** {@code rat4j score}: the logits of a token sequence or a text, as a float32 {@code [T, V]} NumPy file. */
public final class ScoreCommand implements Subcommand {
    private static final Logger LOG = LoggerFactory.getLogger(ScoreCommand.class);

    @Override
    public String name() {
        return "score";
    }

    @Override
    public String summary() {
        return "write the logits [T, V] of a text or token sequence as a .npy file";
    }

    @Override
    public int run(String[] args) throws Exception {
        Options o = new Options();
        o.addOption(required("model", "DIR", "model directory (config.json + model.safetensors; it carries its tokenizer)"));
        OptionGroup input = new OptionGroup();
        input.addOption(optional("tokens", "IDS", "comma-separated token ids, e.g. 1,5,9"));
        input.addOption(optional("text", "TEXT", "text, encoded with the model's tokenizer (BOS first)"));
        o.addOptionGroup(input);
        o.addOption(required("out", "FILE", "output .npy file (float32, shape [T, V])"));
        o.addOption(optional("precision", "float32|float64", "arithmetic of the forward pass (default float32)"));
        o.addOption(optional("tokenizer", "FILE", "tokenizer file, 'gpt2' or 'default', for --text with a model directory "
                + "that stores none"));
        CommandLine cl = parse(name(), "Runs the parallel forward pass and saves the logits of every position.", o, args);
        if (cl == null) return 0;
        if (!cl.hasOption("text") && !cl.hasOption("tokens")) throw new ConfigException("nothing to score: give --text TEXT or --tokens IDS");
        DataType type = precision(cl.getOptionValue("precision", "float32"));
        Path out = outputFile(cl, "out");
        Path dir = Path.of(cl.getOptionValue("model"));
        RatLanguageModel model = ModelIO.load(dir, type);
        int[] ids;
        if (cl.hasOption("text")) {
            ids = ModelTokenizers.of(dir, model.config(), cl.getOptionValue("tokenizer")).encode(cl.getOptionValue("text"), true);
            LOG.info("the text is {} tokens", ids.length);
        } else {
            if (cl.hasOption("tokenizer")) throw new ConfigException("--tokenizer is for --text; --tokens are ids already");
            ids = tokenIds(cl.getOptionValue("tokens"), "tokens");
        }
        if (ids.length > model.config().seqLen()) {
            LOG.warn("{} tokens are more than the model's seq_len {}: positions after {} were never trained", ids.length,
                    model.config().seqLen(), model.config().seqLen());
        }
        INDArray logits = logits(model, ids);
        Npy.writeFloat32(out, logits);
        LOG.info("wrote logits {} to {}", java.util.Arrays.toString(logits.shape()), out);
        return 0;
    }

    /**
     * Logits {@code [T, V]} of one sequence. A RAT model needs T to be a multiple of its chunk size, so the sequence
     * is right-padded to one and the padding's logits dropped: attention is causal, so the real positions are unchanged.
     */
    static INDArray logits(RatLanguageModel model, int[] ids) {
        int multiple = model.sequenceMultiple();
        int padded = (ids.length + multiple - 1) / multiple * multiple;
        int[][] batch = new int[1][padded];
        System.arraycopy(ids, 0, batch[0], 0, ids.length);
        if (padded != ids.length) LOG.info("padded {} tokens to {} (a multiple of the chunk size)", ids.length, padded);
        INDArray all = model.logits(batch);                                      // [1, T', V]
        // A view: the .npy writer converts it a block at a time, so the logits are never copied whole.
        return all.get(NDArrayIndex.point(0), NDArrayIndex.interval(0, ids.length), NDArrayIndex.all());     // [T, V]
    }

    static DataType precision(String name) {
        return switch (name) {
            case "float32", "fp32" -> DataType.FLOAT;
            case "float64", "fp64", "double" -> DataType.DOUBLE;
            default -> throw new ConfigException("--precision must be float32 or float64, got '" + name + "'");
        };
    }
}
