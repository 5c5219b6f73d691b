package org.rat4j.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.config.ConfigException;
import org.rat4j.io.AtomicFiles;
import org.rat4j.io.Checksums;
import org.rat4j.io.ModelIO;
import org.rat4j.io.SafeTensors;
import org.rat4j.model.ModelConfig;
import org.rat4j.io.TokenizerEntry;
import org.rat4j.model.RatLanguageModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.*;
import java.util.*;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The checkpoints of a run, {@code RUN/checkpoints/step-NNNNNNN/}. Each is a model directory
 * ({@code config.json}, {@code model.safetensors} and the run's tokenizer: usable with {@code rat4j generate/score --model}) plus
 * {@code optimizer.safetensors} (AdamW moments), {@code trainer.json} (step, data position, seeds, the whole config)
 * and {@code manifest.json} (size and SHA-256 of every other file).
 *
 * <p>Writing is crash-safe: everything goes to a hidden temporary directory, each file synced, the manifest last,
 * and the directory is then renamed into place in one step. A run killed or out of disk space mid-write leaves only
 * the temporary directory (removed on the next start) and the previous checkpoints untouched. Loading checks the
 * manifest, so a truncated or altered file is reported instead of loaded.
 */
public final class Checkpoints {
    private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);
    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final String STATE = "trainer.json";
    public static final String MANIFEST = "manifest.json";
    /** The files a checkpoint's manifest lists (and must list) besides itself. */
    private static final List<String> FILES = List.of(ModelIO.CONFIG, ModelIO.WEIGHTS, OPTIMIZER, STATE);
    private static final Pattern NAME = Pattern.compile("step-(\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Called before each file of a checkpoint is written (the trainer passes its listeners' {@code beforeCheckpointFile}). */
    @FunctionalInterface
    public interface WriteHook {
        WriteHook NONE = f -> { };

        void beforeWrite(Path file) throws IOException;
    }

    /**
     * What {@code trainer.json} holds.
     *
     * @param step           iterations completed
     * @param totalSteps     iterations the run was configured for
     * @param optimizerSteps AdamW updates made (two per iteration in RAT+ joint training)
     * @param data           the data position ({@link BatchSource#state()})
     * @param tokensSeen     training tokens processed
     * @param elapsedSeconds training wall time so far
     * @param lastLoss       loss of the last iteration
     * @param tokenizer      tokenizer id and sha256, or empty
     * @param config         the composed experiment config
     */
    public record State(int step, int totalSteps, long optimizerSteps, String data, long tokensSeen, double elapsedSeconds,
                        double lastLoss, Map<String, String> tokenizer, Map<String, Object> config) {
    }

    /** A verified checkpoint read back. */
    public record Loaded(Path dir, RatLanguageModel model, Map<String, INDArray> firstMoments,
                         Map<String, INDArray> secondMoments, State state) {
    }

    private final Path dir;
    private final int keep;
    private TokenizerEntry tokenizer;

    /**
     * @param dir  the checkpoints folder ({@code RUN/checkpoints})
     * @param keep how many of the newest checkpoints to keep
     */
    public Checkpoints(Path dir, int keep) {
        this.dir = dir;
        this.keep = keep;
    }

    /** Stores {@code t} (null: none) in every checkpoint, so each is a self-contained model directory. */
    public Checkpoints withTokenizer(TokenizerEntry t) {
        this.tokenizer = t;
        return this;
    }

    public TokenizerEntry tokenizer() {
        return tokenizer;
    }

    public Path directory() {
        return dir;
    }

    public static String name(int step) {
        return String.format("step-%07d", step);
    }

    /**
     * Writes a checkpoint atomically and then removes the oldest beyond {@code keep}.
     *
     * @return the checkpoint directory
     */
    public Path save(RatLanguageModel model, AdamW optimizer, State state) throws IOException {
        return save(model, optimizer, state, WriteHook.NONE);
    }

    /** {@link #save(RatLanguageModel, AdamW, State)}, calling {@code hook} before each file is written. */
    public Path save(RatLanguageModel model, AdamW optimizer, State state, WriteHook hook) throws IOException {
        Files.createDirectories(dir);
        Path target = dir.resolve(name(state.step()));
        keepAsideIfIncomplete(target);
        Path tmp = Files.createTempDirectory(dir, "." + name(state.step()) + ".tmp-");
        try {
            hook.beforeWrite(tmp.resolve(ModelIO.WEIGHTS));
            List<String> written = new ArrayList<>(ModelIO.save(model, tmp, tokenizer));
            Map<String, INDArray> opt = new LinkedHashMap<>();
            optimizer.firstMoments().forEach((n, a) -> opt.put("exp_avg." + n, a));
            optimizer.secondMoments().forEach((n, a) -> opt.put("exp_avg_sq." + n, a));
            DataType type = model.dataType() == DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT;
            hook.beforeWrite(tmp.resolve(OPTIMIZER));
            SafeTensors.write(tmp.resolve(OPTIMIZER), opt, Map.of("optimizer", "adamw", "step", Long.toString(optimizer.steps())), type);
            hook.beforeWrite(tmp.resolve(STATE));
            AtomicFiles.writeString(tmp.resolve(STATE), JSON.writeValueAsString(state));
            Map<String, Object> manifest = new LinkedHashMap<>();
            manifest.put("format", "rat4j-checkpoint");
            manifest.put("version", 1);
            manifest.put("step", state.step());
            Map<String, Object> files = new LinkedHashMap<>();
            written.addAll(List.of(OPTIMIZER, STATE));
            for (String f : written) {
                Path p = tmp.resolve(f);
                files.put(f, Map.of("bytes", Files.size(p), "sha256", sha256(p)));
            }
            manifest.put("files", files);
            hook.beforeWrite(tmp.resolve(MANIFEST));
            AtomicFiles.writeString(tmp.resolve(MANIFEST), JSON.writeValueAsString(manifest));
            syncDirectory(tmp);
            // Replacing a checkpoint of the same step happens on a resume from an older one.
            replaceDirectory(tmp, target);
            syncDirectory(dir);
        } catch (IOException | RuntimeException e) {
            try {
                deleteTree(tmp);
            } catch (IOException ignored) {
                // best effort; a leftover temporary directory is removed on the next start
            }
            throw e;
        }
        prune();
        return target;
    }

    /** Removes the oldest complete checkpoints beyond {@code keep}. */
    void prune() {
        List<Path> all = list();
        for (int i = 0; i < all.size() - keep; i++) {
            try {
                deleteTree(all.get(i));
            } catch (IOException e) {
                LOG.warn("could not remove old checkpoint {}: {}", all.get(i), e.getMessage());
            }
        }
    }

    /** Complete checkpoints (those with a manifest), oldest first. */
    public List<Path> list() {
        return folders().stream().filter(p -> Files.isRegularFile(p.resolve(MANIFEST))).toList();
    }

    /** Every {@code step-N} folder, complete or not, oldest first. */
    private List<Path> folders() {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> NAME.matcher(p.getFileName().toString()).matches() && Files.isDirectory(p))
                    .sorted(Comparator.comparingInt(Checkpoints::stepOf)).toList();
        } catch (IOException e) {
            throw new ConfigException("cannot list checkpoints in " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Logs every checkpoint folder without a manifest: {@link #list()} and a resume pass over it, and the run writes a
     * new checkpoint of that step beside it ({@link #keepAsideIfIncomplete}). Our writer renames a folder into place only
     * after its manifest is written, so such a folder was damaged or copied in part after the fact.
     */
    public void logIncomplete() {
        for (Path p : folders()) {
            if (!Files.isRegularFile(p.resolve(MANIFEST))) {
                LOG.warn("skipping checkpoint {}: it has no {} (damaged, or copied in part); it is left as it is", p, MANIFEST);
            }
        }
    }

    /**
     * Before a checkpoint of the same step is written: a folder there without a manifest is renamed to
     * {@code step-N.damaged} (then {@code .damaged-2}, ...) with a warning instead of being replaced without a word.
     */
    private static void keepAsideIfIncomplete(Path target) throws IOException {
        if (!Files.isDirectory(target) || Files.isRegularFile(target.resolve(MANIFEST))) return;
        Path aside = target.resolveSibling(target.getFileName() + ".damaged");
        for (int i = 2; Files.exists(aside); i++) aside = target.resolveSibling(target.getFileName() + ".damaged-" + i);
        Files.move(target, aside, StandardCopyOption.ATOMIC_MOVE);
        LOG.warn("checkpoint {} has no {}; kept it as {} and writing a new one in its place (delete it when no longer needed)",
                target, MANIFEST, aside.getFileName());
    }

    static int stepOf(Path p) {
        Matcher m = NAME.matcher(p.getFileName().toString());
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    /**
     * The newest checkpoint that passes verification; every folder skipped on the way (no manifest, a file that does
     * not match it) is logged with its reason. Empty if none.
     */
    public Optional<Path> latestValid() {
        List<Path> all = new ArrayList<>(folders());
        Collections.reverse(all);
        for (Path p : all) {
            try {
                verify(p);
                return Optional.of(p);
            } catch (ConfigException e) {
                LOG.warn("skipping damaged checkpoint: {}", e.getMessage());
            }
        }
        return Optional.empty();
    }

    /**
     * Checks that {@code ckpt} is a complete checkpoint whose files match its manifest. The manifest is untrusted: it
     * must list every checkpoint file, each under a plain file name (no separator, no {@code ..}, not absolute) of a
     * regular file (not a link) directly inside {@code ckpt}, with an integer size and a SHA-256; nothing outside
     * the checkpoint is ever opened.
     */
    public static void verify(Path ckpt) {
        if (!Files.isDirectory(ckpt)) {
            throw new ConfigException("checkpoint not found: " + ckpt + " (a checkpoint is a folder RUN/checkpoints/step-NNNNNNN)");
        }
        Path manifest = ckpt.resolve(MANIFEST);
        if (!Files.isRegularFile(manifest)) {
            throw new ConfigException("checkpoint " + ckpt + " is incomplete (no " + MANIFEST + "): its writing never finished; "
                    + "resume from an earlier checkpoint");
        }
        Object m;
        try {
            m = new ObjectMapper().readValue(manifest.toFile(), Object.class);
        } catch (IOException e) {
            throw new ConfigException("checkpoint " + ckpt + " has an unreadable " + MANIFEST + " ("
                    + String.valueOf(e.getMessage()).replaceAll("\\s+", " ") + "); resume from an earlier checkpoint", e);
        }
        if (!(m instanceof Map<?, ?> top) || !"rat4j-checkpoint".equals(top.get("format")) || !(top.get("files") instanceof Map<?, ?> files)) {
            throw new ConfigException(manifest + " is not a rat4j checkpoint manifest; resume from an earlier checkpoint");
        }
        for (String needed : FILES) {
            if (!files.containsKey(needed)) {
                throw new ConfigException(manifest + " does not list " + needed + "; resume from an earlier checkpoint");
            }
        }
        for (Map.Entry<?, ?> e : files.entrySet()) {
            String name = (String) e.getKey();                      // JSON object keys are strings
            Path f = manifestFile(ckpt, manifest, name);
            if (!(e.getValue() instanceof Map<?, ?> info) || !(info.get("bytes") instanceof Number want)
                    || !(info.get("sha256") instanceof String sha)) {
                throw new ConfigException(manifest + " entry " + ConfigException.quote(name) + " is not {\"bytes\": N, \"sha256\": \"...\"}; "
                        + "resume from an earlier checkpoint");
            }
            if (!Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                throw new ConfigException("checkpoint " + ckpt + " is missing " + name + " (or it is not a regular file); "
                        + "resume from an earlier checkpoint");
            }
            try {
                long size = Files.size(f);
                if (!(want instanceof Integer || want instanceof Long) || size != want.longValue()) {
                    throw new ConfigException("checkpoint file " + f + " has " + size + " bytes but its manifest says " + want
                            + " (truncated or replaced); resume from an earlier checkpoint");
                }
                if (!sha256(f).equals(sha)) {
                    throw new ConfigException("checkpoint file " + f + " does not match the checksum in its manifest (the file "
                            + "was changed or damaged); resume from an earlier checkpoint");
                }
            } catch (IOException ex) {
                throw new ConfigException("cannot read checkpoint file " + f + ": " + ex.getMessage(), ex);
            }
        }
    }

    /**
     * The file a manifest entry names, which must be a plain file name: a manifest listing {@code ../../etc/passwd}
     * made the loader read and hash a file outside the checkpoint (issue 14).
     */
    static Path manifestFile(Path ckpt, Path manifest, String name) {
        boolean plain = !name.isEmpty() && !name.equals(".") && !name.equals("..")
                && name.indexOf('/') < 0 && name.indexOf('\\') < 0 && name.indexOf('\0') < 0;
        if (!plain) {
            throw new ConfigException(manifest + " lists " + ConfigException.quote(name) + ", which is not a plain file name "
                    + "inside the checkpoint (the manifest was altered); resume from an earlier checkpoint");
        }
        return ckpt.resolve(name);
    }

    /** Verifies and reads a checkpoint, the model in {@code type}. */
    @SuppressWarnings("unchecked")
    public static Loaded load(Path ckpt, DataType type) {
        verify(ckpt);
        try {
            RatLanguageModel model = trainable(ModelIO.load(ckpt, type));
            Map<String, INDArray> opt = SafeTensors.read(ckpt.resolve(OPTIMIZER), type);
            Map<String, INDArray> m = new LinkedHashMap<>();
            Map<String, INDArray> v = new LinkedHashMap<>();
            for (Map.Entry<String, INDArray> e : opt.entrySet()) {
                if (e.getKey().startsWith("exp_avg_sq.")) v.put(e.getKey().substring("exp_avg_sq.".length()), e.getValue());
                else if (e.getKey().startsWith("exp_avg.")) m.put(e.getKey().substring("exp_avg.".length()), e.getValue());
            }
            State state = new ObjectMapper().readValue(ckpt.resolve(STATE).toFile(), State.class);
            return new Loaded(ckpt, model, m, v, state);
        } catch (IOException e) {
            throw new ConfigException("cannot read checkpoint " + ckpt + ": " + e.getMessage(), e);
        }
    }

    /**
     * The same model over fresh, contiguous copies of its arrays. Arrays read by {@code SafeTensors.read} are views,
     * which SameDiff's {@code sd.var(name, array)} copies instead of referencing; updating such a model's
     * {@code parameters()} in place would then leave its graphs on the old values (only the embedding, looked up in
     * Java, would change). Every model loaded for training goes through here.
     */
    public static RatLanguageModel trainable(RatLanguageModel m) {
        boolean views = false;
        for (INDArray a : m.parameters().values()) views |= a.isView();
        if (!views) return m;
        Map<String, INDArray> fresh = new LinkedHashMap<>();
        m.parameters().forEach((n, a) -> {
            INDArray c = org.nd4j.linalg.factory.Nd4j.create(a.dataType(), a.shape(), 'c');
            c.assign(a);
            fresh.put(n, c);
        });
        return RatLanguageModel.fromParameters(m.config(), fresh, m.dataType());
    }

    /** Only the trainer state of a verified checkpoint (to get its config before building anything). */
    public static State readState(Path ckpt) {
        verify(ckpt);
        try {
            return new ObjectMapper().readValue(ckpt.resolve(STATE).toFile(), State.class);
        } catch (IOException e) {
            throw new ConfigException("cannot read " + ckpt.resolve(STATE) + ": " + e.getMessage(), e);
        }
    }

    /** The model config stored in a checkpoint or model directory. */
    public static ModelConfig modelConfigOf(Path modelDir) {
        return ModelConfig.fromJson(modelDir.resolve(ModelIO.CONFIG));
    }

    static String sha256(Path f) throws IOException {
        return Checksums.sha256(f);
    }

    static void syncDirectory(Path d) {
        try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // not every file system lets a directory be synced; the rename is still atomic
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        }
    }

    /**
     * Renames the finished directory {@code tmp} to {@code target} in one step; an existing {@code target} is first
     * renamed aside and deleted afterwards. {@code target} never holds a mix of old and new files.
     */
    private static void replaceDirectory(Path tmp, Path target) throws IOException {
        if (Files.exists(target)) {
            Path old = Files.createTempDirectory(target.toAbsolutePath().getParent(), "." + target.getFileName() + ".old-");
            Files.delete(old);
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            deleteTree(old);
        } else {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** Writes a model directory with {@code tokenizer} (null: none) atomically (temporary directory, then rename). */
    public static void saveModelDir(RatLanguageModel model, Path target, TokenizerEntry tokenizer) throws IOException {
        writeDirectory(target, tmp -> ModelIO.save(model, tmp, tokenizer));
    }

    /** Fills a directory with files. */
    @FunctionalInterface
    public interface DirectoryWriter {
        void write(Path dir) throws IOException;
    }

    /**
     * Writes a directory atomically: {@code writer} fills a hidden temporary directory next to {@code target}, which
     * is synced and renamed to {@code target}; an existing {@code target} is replaced whole (the caller decides
     * whether it may be). A failure deletes the temporary directory and leaves {@code target} as it was.
     */
    public static void writeDirectory(Path target, DirectoryWriter writer) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".tmp-");
        try {
            // createTempDirectory makes it owner-only; an exported model is served and shared like any folder.
            Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system: keep the default permissions
        }
        try {
            writer.write(tmp);
            syncDirectory(tmp);
            replaceDirectory(tmp, target);
        } catch (IOException | RuntimeException e) {
            deleteTree(tmp);
            throw e;
        }
    }
}
