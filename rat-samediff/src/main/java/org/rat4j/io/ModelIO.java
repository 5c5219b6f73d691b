package org.rat4j.io;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.config.ConfigException;
import org.rat4j.model.ModelConfig;
import org.rat4j.model.RatLanguageModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * A model directory: {@code config.json} (the model config, {@link ModelConfig#toJson()}) and
 * {@code model.safetensors} under the reference PyTorch state-dict names ({@code docs/weights.md}). A tied model also
 * writes {@code head.lm_head.weight} (a copy of the embedding) so a PyTorch {@code load_state_dict} finds every key.
 */
public final class ModelIO {
    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";

    private ModelIO() {
    }

    /** Saves in float32 (or float64 for a double model); each file is written atomically. */
    public static void save(RatLanguageModel model, Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, INDArray> tensors = new LinkedHashMap<>(model.parameters());
        if (model.config().tieEmbedding()) tensors.put(RatLanguageModel.LM_HEAD, model.parameters().get(RatLanguageModel.WTE));
        DataType type = model.dataType() == DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT;
        SafeTensors.write(dir.resolve(WEIGHTS), tensors, Map.of("format", "pt", "producer", "rat4j"), type);
        AtomicFiles.writeString(dir.resolve(CONFIG), model.config().toJson());
    }

    /**
     * Loads a model directory, converting the weights to {@code type}. Nothing is read or allocated until the whole
     * header is valid ({@link SafeTensors#readHeader}) and its names and shapes are exactly what {@code config.json}
     * needs, so a file declaring more or larger tensors than the model is refused at the cost of reading its header.
     * The tied head's copy of the embedding is checked but not read.
     */
    public static RatLanguageModel load(Path dir, DataType type) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new ConfigException("model directory not found: " + dir + " (create one with 'rat4j init' or 'rat4j train')");
        }
        Path weights = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(weights)) {
            throw new ConfigException("no " + WEIGHTS + " in " + dir + "; a model directory holds " + CONFIG + " and " + WEIGHTS);
        }
        ModelConfig config = ModelConfig.fromJson(dir.resolve(CONFIG));
        SafeTensors.Header header = SafeTensors.readHeader(weights);
        Set<String> used;
        try {
            used = RatLanguageModel.checkShapes(config, header.shapes());
        } catch (ConfigException e) {
            throw new ConfigException(weights + " does not fit its " + CONFIG + ": " + e.getMessage(), e);
        }
        Map<String, INDArray> tensors = SafeTensors.read(header, type, used);
        return RatLanguageModel.fromParameters(config, tensors, type);
    }
}
