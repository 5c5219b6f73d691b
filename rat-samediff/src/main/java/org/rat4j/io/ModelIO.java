package org.rat4j.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.config.ConfigException;
import org.rat4j.model.MemoryBudget;
import org.rat4j.model.ModelConfig;
import org.rat4j.model.RatLanguageModel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.Optional;

/**
 * A model directory: {@code config.json} (the model config, {@link ModelConfig#toJson()}) and
 * {@code model.safetensors} under the reference PyTorch state-dict names ({@code docs/weights.md}). A tied model also
 * writes {@code head.lm_head.weight} (a copy of the embedding) so a PyTorch {@code load_state_dict} finds every key.
 * <p>A directory may also carry its tokenizer ({@link TokenizerEntry}): {@value #TOKENIZER_INFO} names it (id and
 * SHA-256) and either points to a copy of the tokenizer file, {@value #TOKENIZER_FILE}, or names a tokenizer built
 * into rat4j. The core copies and verifies the bytes; the datasets module turns them into a tokenizer. Directories
 * written before this existed have neither file and still load.
 */
public final class ModelIO {
    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    /** The tokenizer entry: {@code {"format", "version", "id", "sha256", "file" | "builtin"}}. */
    public static final String TOKENIZER_INFO = "tokenizer_info.json";
    /** The copy of a file tokenizer's bytes. */
    public static final String TOKENIZER_FILE = "tokenizer.rat4j";
    private static final String INFO_FORMAT = "rat4j-tokenizer-entry";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ModelIO() {
    }

    /**
     * Saves the model without a tokenizer (a stale tokenizer entry in {@code dir} is removed); loading it falls back
     * to the default tokenizer. {@code org.rat4j.data.tokenizer.ModelTokenizers.save} stores the tokenizer too.
     */
    public static List<String> save(RatLanguageModel model, Path dir) throws IOException {
        return save(model, dir, null);
    }

    /**
     * Saves in float32 (or float64 for a double model) with the tokenizer {@code tokenizer} (null: none); each file
     * is written atomically. A file tokenizer is copied and its bytes checked against its SHA-256 before the copy
     * is renamed into place, so a tokenizer file changed since it was loaded is an error, not a wrong copy.
     *
     * @return the names of the files written, in the order written
     */
    public static List<String> save(RatLanguageModel model, Path dir, TokenizerEntry tokenizer) throws IOException {
        Files.createDirectories(AtomicFiles.requireDirectoryPath(dir, "the model directory"));
        List<String> written = new ArrayList<>(saveTokenizer(dir, tokenizer));
        Map<String, INDArray> tensors = new LinkedHashMap<>(model.parameters());
        if (model.config().tieEmbedding()) tensors.put(RatLanguageModel.LM_HEAD, model.parameters().get(RatLanguageModel.WTE));
        DataType type = model.dataType() == DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT;
        SafeTensors.write(dir.resolve(WEIGHTS), tensors, Map.of("format", "pt", "producer", "rat4j"), type);
        written.add(WEIGHTS);
        AtomicFiles.writeString(dir.resolve(CONFIG), model.config().toJson());
        written.add(CONFIG);
        return written;
    }

    /**
     * Writes a tokenizer entry into {@code dir}, as {@link #save} does beside the weights: {@code tokenizer_info.json}
     * and, for a tokenizer file, its verified copy {@code tokenizer.rat4j}; with {@code null}, removes both. Also
     * what a zoo bundle carries next to its zip.
     *
     * @return the names of the files written
     */
    public static List<String> saveTokenizer(Path dir, TokenizerEntry tokenizer) throws IOException {
        List<String> written = new ArrayList<>();
        if (tokenizer == null || tokenizer.isBuiltin()) Files.deleteIfExists(dir.resolve(TOKENIZER_FILE));
        if (tokenizer == null) {
            Files.deleteIfExists(dir.resolve(TOKENIZER_INFO));
            return written;
        }
        if (!tokenizer.isBuiltin()) {
            copyVerified(tokenizer, dir.resolve(TOKENIZER_FILE));
            written.add(TOKENIZER_FILE);
        }
        JsonFiles.write(dir.resolve(TOKENIZER_INFO), JSON, infoOf(tokenizer));
        written.add(TOKENIZER_INFO);
        return written;
    }

    private static Map<String, Object> infoOf(TokenizerEntry t) {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("format", INFO_FORMAT);
        info.put("version", 1);
        info.put("id", t.id());
        info.put("sha256", t.sha256());
        if (t.isBuiltin()) info.put("builtin", t.builtin());
        else info.put("file", TOKENIZER_FILE);
        return info;
    }

    private static void copyVerified(TokenizerEntry t, Path target) throws IOException {
        if (!Files.isRegularFile(t.file())) {
            throw new ConfigException("the tokenizer file " + t.file() + " of tokenizer " + t.id() + " no longer exists; "
                    + "it cannot be stored with the model");
        }
        AtomicFiles.write(target, out -> {
            MessageDigest md = Checksums.newDigest();
            try (InputStream in = new DigestInputStream(Files.newInputStream(t.file()), md)) {
                in.transferTo(out);
            }
            String got = HexFormat.of().formatHex(md.digest());
            if (!got.equals(t.sha256())) {
                throw new ConfigException("the tokenizer file " + t.file() + " changed since tokenizer " + t.id() + " was loaded from it "
                        + "(sha256 " + Checksums.abbreviate(got) + ", loaded " + Checksums.abbreviate(t.sha256())
                        + "); load it again before saving the model");
            }
        });
    }

    /**
     * The tokenizer entry of a model directory, verified: a stored tokenizer file must exist and match its SHA-256.
     * Empty for a directory without one (written before tokenizers were stored, or saved without one).
     */
    public static Optional<TokenizerEntry> tokenizer(Path dir) {
        Path infoFile = dir.resolve(TOKENIZER_INFO);
        if (!Files.isRegularFile(infoFile)) return Optional.empty();
        JsonNode info;
        try {
            info = JSON.readTree(infoFile.toFile());
        } catch (IOException e) {
            throw new ConfigException(infoFile + " is not readable JSON (" + e.getMessage() + "); save the model again "
                    + "or delete the file to use the default tokenizer");
        }
        if (info == null || !info.isObject() || !INFO_FORMAT.equals(info.path("format").asText(null))) {
            throw new ConfigException(infoFile + " is not a rat4j tokenizer entry (it needs \"format\": \"" + INFO_FORMAT + "\")");
        }
        if (info.path("version").asInt(0) != 1) {
            throw new ConfigException(infoFile + " has version " + info.get("version") + "; this rat4j reads version 1 (a newer rat4j wrote it?)");
        }
        String id = textField(info, "id", infoFile);
        String sha = textField(info, "sha256", infoFile);
        if (info.hasNonNull("builtin")) return Optional.of(TokenizerEntry.ofBuiltin(id, sha, textField(info, "builtin", infoFile)));
        String name = textField(info, "file", infoFile);
        if (!name.equals(TOKENIZER_FILE)) {
            throw new ConfigException(infoFile + " names the tokenizer file '" + name + "'; rat4j stores it as " + TOKENIZER_FILE);
        }
        Path file = dir.resolve(TOKENIZER_FILE);
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(dir + " has " + TOKENIZER_INFO + " but not " + TOKENIZER_FILE + " (tokenizer " + id
                    + "); copy the whole model directory, or save the model again");
        }
        String got;
        try {
            got = Checksums.sha256(file);
        } catch (IOException e) {
            throw new ConfigException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (!got.equals(sha)) {
            throw new ConfigException(file + " does not match the SHA-256 in " + TOKENIZER_INFO + " (" + Checksums.abbreviate(got)
                    + " vs " + Checksums.abbreviate(sha) + "): the file was damaged or replaced; copy it again from the model's source");
        }
        return Optional.of(TokenizerEntry.ofFile(id, sha, file));
    }

    private static String textField(JsonNode info, String name, Path infoFile) {
        JsonNode v = info.get(name);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new ConfigException(infoFile + ": \"" + name + "\" must be a non-empty string");
        }
        return v.asText();
    }

    /**
     * Loads a model directory, converting the weights to {@code type}. Nothing is read or allocated until the whole
     * header is valid ({@link SafeTensors#readHeader}) and its names and shapes are exactly what {@code config.json}
     * needs, so a file declaring more or larger tensors than the model is refused at the cost of reading its header.
     * The tied head's copy of the embedding is checked but not read. Weights larger than the memory available are
     * refused before they are read ({@link MemoryBudget}).
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
        MemoryBudget.requireNative(String.format(Locale.ROOT, "loading %s (%,d parameters as %s)", dir, config.parameterCount(),
                MemoryBudget.typeName(type)), MemoryBudget.parameterBytes(config, type), "free memory or use a machine with more");
        Map<String, INDArray> tensors = SafeTensors.read(header, type, used);
        return RatLanguageModel.fromParameters(config, tensors, type);
    }
}
