package org.rat4j.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.config.ConfigException;
import org.rat4j.config.ModelConfig;
import org.rat4j.io.AtomicFiles;
import org.rat4j.io.ModelIO;
import org.rat4j.io.SafeTensors;
import org.rat4j.model.RatLanguageModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.*;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.*;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The checkpoints of a run, {@code RUN/checkpoints/step-NNNNNNN/}. Each is a model directory
 * ({@code config.json}, {@code model.safetensors}: usable with {@code rat4j generate/score --model}) plus
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

    /**
     * @param dir  the checkpoints folder ({@code RUN/checkpoints})
     * @param keep how many of the newest checkpoints to keep
     */
    public Checkpoints(Path dir, int keep) {
        this.dir = dir;
        this.keep = keep;
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
            ModelIO.save(model, tmp);
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
            for (String f : List.of(ModelIO.CONFIG, ModelIO.WEIGHTS, OPTIMIZER, STATE)) {
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

    /** Removes temporary directories left by a write that was interrupted. */
    public void removeUnfinished() {
        if (!Files.isDirectory(dir)) return;
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith(".step-")).toList()) {
                LOG.info("removing unfinished checkpoint write {}", p.getFileName());
                deleteTree(p);
            }
        } catch (IOException e) {
            LOG.warn("could not clean {}: {}", dir, e.getMessage());
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

    /** Checks that {@code ckpt} is a complete checkpoint whose files match its manifest. */
    @SuppressWarnings("unchecked")
    public static void verify(Path ckpt) {
        if (!Files.isDirectory(ckpt)) {
            throw new ConfigException("checkpoint not found: " + ckpt + " (a checkpoint is a folder RUN/checkpoints/step-NNNNNNN)");
        }
        Path manifest = ckpt.resolve(MANIFEST);
        if (!Files.isRegularFile(manifest)) {
            throw new ConfigException("checkpoint " + ckpt + " is incomplete (no " + MANIFEST + "): its writing never finished; "
                    + "resume from an earlier checkpoint");
        }
        Map<String, Object> m;
        try {
            m = new ObjectMapper().readValue(manifest.toFile(), Map.class);
        } catch (IOException e) {
            throw new ConfigException("checkpoint " + ckpt + " has an unreadable " + MANIFEST + " (" + e.getMessage()
                    + "); resume from an earlier checkpoint", e);
        }
        Object files = m.get("files");
        if (!"rat4j-checkpoint".equals(m.get("format")) || !(files instanceof Map)) {
            throw new ConfigException(manifest + " is not a rat4j checkpoint manifest");
        }
        for (Map.Entry<String, Object> e : ((Map<String, Object>) files).entrySet()) {
            Path f = ckpt.resolve(e.getKey());
            Map<String, Object> info = (Map<String, Object>) e.getValue();
            if (!Files.isRegularFile(f)) {
                throw new ConfigException("checkpoint " + ckpt + " is missing " + e.getKey() + "; resume from an earlier checkpoint");
            }
            try {
                long size = Files.size(f);
                long want = ((Number) info.get("bytes")).longValue();
                if (size != want) {
                    throw new ConfigException("checkpoint file " + f + " has " + size + " bytes but its manifest says " + want
                            + " (truncated or replaced); resume from an earlier checkpoint");
                }
                if (!sha256(f).equals(info.get("sha256"))) {
                    throw new ConfigException("checkpoint file " + f + " does not match the checksum in its manifest (the file "
                            + "was changed or damaged); resume from an earlier checkpoint");
                }
            } catch (IOException ex) {
                throw new ConfigException("cannot read checkpoint file " + f + ": " + ex.getMessage(), ex);
            }
        }
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
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (InputStream in = new DigestInputStream(Files.newInputStream(f), md)) {
                byte[] buf = new byte[1 << 16];
                while (in.read(buf) >= 0) {
                    // digesting
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
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

    /** Writes a model directory atomically (temporary directory, then rename), replacing an existing one. */
    public static void saveModelDir(RatLanguageModel model, Path target) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".tmp-");
        try {
            ModelIO.save(model, tmp);
            syncDirectory(tmp);
            replaceDirectory(tmp, target);
        } catch (IOException | RuntimeException e) {
            deleteTree(tmp);
            throw e;
        }
    }
}
