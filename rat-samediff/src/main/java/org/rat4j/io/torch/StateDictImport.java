package org.rat4j.io.torch;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rat4j.config.ConfigException;
import org.rat4j.model.ModelConfig;
import org.rat4j.model.RatLanguageModel;

import java.io.IOException;
import java.util.*;
import java.util.function.Consumer;

/**
 * Maps the state dict of a reference PyTorch checkpoint (CLAIRE-Labo/RAT, wimh966/rat-plus) onto a rat4j model:
 * <ol>
 *   <li>the state dict is the value under {@code task} (what both repositories' trainers save, next to
 *       {@code config}, {@code step}, {@code optimizer} ...), else under {@code state_dict} or {@code model}, else the
 *       top level itself;</li>
 *   <li>the name components {@code _orig_mod} (torch.compile) and {@code module} (DistributedDataParallel) are
 *       removed wherever they occur, as the reference loaders do with {@code k.replace("_orig_mod.", "")};</li>
 *   <li>RAT+'s legacy layout keeps the forget-gate rows in a separate {@code fgate_proj.weight} [D, D] next to an
 *       {@code in_proj.weight} of [4D, D] (o, q, k, v); its rows are appended below in_proj's, giving the current
 *       [5D, D] (o, q, k, v, g), exactly when wimh966/rat-plus {@code src/utils/convert_load_ckpt.py} does it
 *       ({@code torch.cat([in_proj, fgate_proj], dim=0)} when in_proj has 4·D rows and fgate_proj D). Where the shapes
 *       do not fit that rule the reference drops fgate_proj silently; here it stays and is reported as unexpected;</li>
 *   <li>every tensor is checked against {@link RatLanguageModel#parameterShapes}: missing, unexpected and misshapen
 *       tensors are listed by name in one error, before any weight is read;</li>
 *   <li>with tied embeddings, {@code head.lm_head.weight} must equal {@code embedding.wte.weight} (in the reference
 *       checkpoints it is the same storage) and is then dropped.</li>
 * </ol>
 * Weights are converted to float32 as they are read (bf16, f16 and f64 included).
 */
public final class StateDictImport {
    /** The keys a state dict is looked for under, in order, before the top level of the checkpoint. */
    public static final List<String> STATE_DICT_KEYS = List.of("task", "state_dict", "model");
    /** Name components that wrappers add and the import removes. */
    public static final Set<String> WRAPPER_COMPONENTS = new LinkedHashSet<>(List.of("_orig_mod", "module"));
    static final String IN_PROJ = "in_proj.weight";
    static final String FGATE_PROJ = "fgate_proj.weight";
    private static final int LISTED = 20;

    private StateDictImport() {
    }

    /** A parameter of the import: one checkpoint tensor, or legacy in_proj rows with fgate_proj's rows below. */
    public sealed interface Source permits Single, Stacked {
        long[] shape();

        /** The dtype(s) in the checkpoint, e.g. {@code bfloat16}. */
        String dtype();

        INDArray read(TorchCheckpoint checkpoint) throws IOException;
    }

    public record Single(TorchTensor tensor) implements Source {
        public long[] shape() {
            return tensor.shape();
        }

        public String dtype() {
            return tensor.dtype().dtypeName();
        }

        public INDArray read(TorchCheckpoint checkpoint) throws IOException {
            return checkpoint.read(tensor);
        }
    }

    /** {@code top} [4D, D] over {@code bottom} [D, D]: rows concatenated, as {@code torch.cat(..., dim=0)}. */
    public record Stacked(TorchTensor top, TorchTensor bottom) implements Source {
        public long[] shape() {
            return new long[]{top.shape()[0] + bottom.shape()[0], top.shape()[1]};
        }

        public String dtype() {
            return top.dtype() == bottom.dtype() ? top.dtype().dtypeName() : top.dtype().dtypeName() + "+" + bottom.dtype().dtypeName();
        }

        public INDArray read(TorchCheckpoint checkpoint) throws IOException {
            return Nd4j.concat(0, checkpoint.read(top), checkpoint.read(bottom));   // [5D, D]
        }
    }

    /**
     * A checkpoint's state dict under rat4j names.
     *
     * @param location   where it was found, e.g. {@code under 'task'}
     * @param tensors    the tensors by their mapped names, in checkpoint order
     * @param nonTensors mapped names whose values are not tensors, with what they are
     * @param notes      what the mapping did, one line each (prefixes removed, fgate_proj merged)
     */
    public record StateDict(String location, LinkedHashMap<String, Source> tensors, Map<String, String> nonTensors,
                            List<String> notes) {
    }

    /** Finds the state dict and maps its names; reads no tensor data. */
    public static StateDict stateDict(TorchCheckpoint checkpoint) {
        Object root = checkpoint.root();
        if (!(root instanceof Map<?, ?> top)) {
            throw new ConfigException(checkpoint.file() + " holds " + RestrictedUnpickler.describe(root)
                    + ", not a dict; rat4j imports a state dict (torch.save(model.state_dict(), f))");
        }
        String location = null;
        Map<?, ?> raw = null;
        for (String key : STATE_DICT_KEYS) {
            if (top.get(key) instanceof Map<?, ?> m && holdsTensors(m)) {
                location = "under '" + key + "'";
                raw = m;
                break;
            }
        }
        if (raw == null && holdsTensors(top)) {
            location = "at the top level";
            raw = top;
        }
        if (raw == null) {
            throw new ConfigException(checkpoint.file() + " holds no state dict: rat4j looks under " + STATE_DICT_KEYS
                    + " (the reference trainers save it under 'task') and at the top level, but finds no tensors there;"
                    + " its top-level keys are " + top.keySet());
        }
        LinkedHashMap<String, Object> named = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        Map<String, Integer> stripped = new TreeMap<>();
        for (Map.Entry<?, ?> e : raw.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw new ConfigException(checkpoint.file() + ": the state dict " + location + " has a non-string key " + e.getKey());
            }
            String name = unwrap(key, stripped);
            if (named.put(name, e.getValue()) != null) {
                throw new ConfigException(checkpoint.file() + ": two tensors of the state dict are both named '" + name
                        + "' once the wrapper prefixes " + WRAPPER_COMPONENTS + " are removed");
            }
        }
        notes.add("state dict " + location + ": " + named.size() + " entries");
        stripped.forEach((c, n) -> notes.add("removed the '" + c + ".' prefix from " + n + " names"));

        LinkedHashMap<String, Source> tensors = new LinkedHashMap<>();
        Map<String, String> nonTensors = new LinkedHashMap<>();
        int merged = 0;
        for (Map.Entry<String, Object> e : named.entrySet()) {
            String name = e.getKey();
            if (!(e.getValue() instanceof TorchTensor t)) {
                nonTensors.put(name, RestrictedUnpickler.describe(e.getValue()));
                continue;
            }
            if (hasLeaf(name, FGATE_PROJ) && named.get(sibling(name, FGATE_PROJ, IN_PROJ)) instanceof TorchTensor in
                    && isLegacyPair(in, t)) {
                continue;                                       // merged into its in_proj below
            }
            if (hasLeaf(name, IN_PROJ) && named.get(sibling(name, IN_PROJ, FGATE_PROJ)) instanceof TorchTensor fgate
                    && isLegacyPair(t, fgate)) {
                tensors.put(name, new Stacked(t, fgate));
                merged++;
                continue;
            }
            tensors.put(name, new Single(t));
        }
        if (merged > 0) notes.add("appended the legacy fgate_proj rows to in_proj in " + merged + " layers (o, q, k, v, g)");
        return new StateDict(location, tensors, nonTensors, notes);
    }

    /** The legacy RAT+ pair: in_proj [4D, D] and fgate_proj [D, D] (the reference's condition). */
    static boolean isLegacyPair(TorchTensor inProj, TorchTensor fgate) {
        long[] a = inProj.shape();
        long[] b = fgate.shape();
        return a.length == 2 && b.length == 2 && a[0] == 4 * a[1] && b[0] == a[1] && b[1] == a[1];
    }

    /** {@code name} is {@code leaf} or ends with {@code .leaf}: {@code x.in_proj.weight}, not {@code x.skin_proj.weight}. */
    private static boolean hasLeaf(String name, String leaf) {
        return name.equals(leaf) || name.endsWith("." + leaf);
    }

    private static String sibling(String name, String suffix, String other) {
        return name.substring(0, name.length() - suffix.length()) + other;
    }

    private static String unwrap(String key, Map<String, Integer> stripped) {
        StringJoiner out = new StringJoiner(".");
        for (String c : key.split("\\.", -1)) {
            if (WRAPPER_COMPONENTS.contains(c)) {
                stripped.merge(c, 1, Integer::sum);
            } else {
                out.add(c);
            }
        }
        return out.toString();
    }

    private static boolean holdsTensors(Map<?, ?> m) {
        for (Object v : m.values()) if (v instanceof TorchTensor) return true;
        return false;
    }

    /**
     * Checks a checkpoint against a config: every parameter present with its shape and nothing else, and a tied head
     * equal to the embedding. Throws one {@link ConfigException} listing every problem.
     */
    public static Plan plan(TorchCheckpoint checkpoint, ModelConfig config) throws IOException {
        StateDict sd = stateDict(checkpoint);
        LinkedHashMap<String, long[]> expected = RatLanguageModel.parameterShapes(config);
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> misshapen = new ArrayList<>();
        LinkedHashMap<String, Source> sources = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            Source s = sd.tensors().get(e.getKey());
            if (s == null) {
                missing.add(e.getKey() + " " + Arrays.toString(e.getValue()));
            } else if (!Arrays.equals(s.shape(), e.getValue())) {
                misshapen.add(e.getKey() + " is " + Arrays.toString(s.shape()) + " in the checkpoint, the config needs "
                        + Arrays.toString(e.getValue()));
            } else {
                sources.put(e.getKey(), s);
            }
        }
        boolean tiedHead = false;
        for (Map.Entry<String, Source> e : sd.tensors().entrySet()) {
            if (expected.containsKey(e.getKey())) continue;
            if (e.getKey().equals(RatLanguageModel.LM_HEAD) && config.tieEmbedding()
                    && Arrays.equals(e.getValue().shape(), expected.get(RatLanguageModel.WTE))) {
                tiedHead = true;
                continue;
            }
            unexpected.add(e.getKey() + " " + Arrays.toString(e.getValue().shape()));
        }
        sd.nonTensors().forEach((name, what) -> unexpected.add(name + " (" + what + ", not a tensor)"));
        if (!missing.isEmpty() || !unexpected.isEmpty() || !misshapen.isEmpty()) {
            StringJoiner why = new StringJoiner("; ");
            if (!missing.isEmpty()) why.add(missing.size() + " missing (in the config, not in the checkpoint): " + listed(missing));
            if (!unexpected.isEmpty()) why.add(unexpected.size() + " unexpected (in the checkpoint, not in the config): " + listed(unexpected));
            if (!misshapen.isEmpty()) why.add(misshapen.size() + " with another shape: " + listed(misshapen));
            throw new ConfigException(checkpoint.file() + " (state dict " + sd.location() + ") does not fit the model config: "
                    + why + ". The config must describe the checkpoint's model (vocab_size, d_model, n_layers, num_heads,"
                    + " the mixer type with its ngroups or apply_re, tie_embedding); 'rat4j import --from "
                    + checkpoint.file() + " --list' prints the checkpoint's tensors");
        }
        List<String> notes = new ArrayList<>(sd.notes());
        if (tiedHead) {
            checkTied(checkpoint, sd.tensors().get(RatLanguageModel.WTE), sd.tensors().get(RatLanguageModel.LM_HEAD));
            notes.add(RatLanguageModel.LM_HEAD + " equals " + RatLanguageModel.WTE + " (tied) and is not stored twice");
        }
        Map<String, Integer> dtypes = new TreeMap<>();
        sources.values().forEach(s -> dtypes.merge(s.dtype(), 1, Integer::sum));
        notes.add("tensor dtypes " + dtypes + ", converted to float32");
        return new Plan(checkpoint, config, sources, notes);
    }

    private static void checkTied(TorchCheckpoint checkpoint, Source wte, Source head) throws IOException {
        if (wte instanceof Single a && head instanceof Single b && a.tensor().sameView(b.tensor())) return;
        if (!Arrays.equals(wte.read(checkpoint).data().asFloat(), head.read(checkpoint).data().asFloat())) {
            throw new ConfigException(checkpoint.file() + ": " + RatLanguageModel.LM_HEAD + " differs from "
                    + RatLanguageModel.WTE + ", so the checkpoint's head is not tied to its embedding; set"
                    + " 'tie_embedding: false' in the model config");
        }
    }

    private static String listed(List<String> items) {
        String shown = String.join(", ", items.subList(0, Math.min(LISTED, items.size())));
        return items.size() > LISTED ? shown + " and " + (items.size() - LISTED) + " more" : shown;
    }

    /** A checked import: every parameter of the config with the checkpoint tensor(s) it is read from. */
    public record Plan(TorchCheckpoint checkpoint, ModelConfig config, LinkedHashMap<String, Source> sources,
                       List<String> notes) {
        /** Reads every parameter (float32) and builds the model; {@code onTensor} hears each name once it is read. */
        public RatLanguageModel load(Consumer<String> onTensor) throws IOException {
            LinkedHashMap<String, INDArray> params = new LinkedHashMap<>();
            for (Map.Entry<String, Source> e : sources.entrySet()) {
                params.put(e.getKey(), e.getValue().read(checkpoint));
                onTensor.accept(e.getKey());
            }
            return RatLanguageModel.fromParameters(config, params, DataType.FLOAT);
        }
    }
}
