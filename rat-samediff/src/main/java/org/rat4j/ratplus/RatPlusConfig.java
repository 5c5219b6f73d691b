package org.rat4j.ratplus;

import org.rat4j.block.BlockDims;
import org.rat4j.block.MixerConfig;
import org.rat4j.config.ConfigException;
import org.rat4j.config.ConfigReader;
import org.rat4j.ops.RotaryEmbedding;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RAT+'s hyper-parameters (spec §3): the attention pattern of each layer that uses this cell (one value for all,
 * or one per layer), whether the recurrence runs, and the joint-training flag of the recipe.
 *
 * @param dilation   Dl per layer: -1 keeps no dilated keys, 1 is dense
 * @param local      W per layer: the window of recent keys
 * @param initial    P per layer: sink tokens
 * @param applyRe    the recurrence on keys and values; false gives the gated-attention baseline
 * @param jointTrain joint sparse + dense training (a recipe flag, spec §3.3)
 * @param ropeBase   RoPE base (10000)
 * @param rope       RoPE on; false (config {@code rope: none}) drops positional encoding (NoPE)
 */
public record RatPlusConfig(List<Integer> dilation, List<Integer> local, List<Integer> initial,
                            boolean applyRe, boolean jointTrain, double ropeBase, boolean rope) implements MixerConfig {
    public static final String TYPE = "ratplus";
    /** Read as RAT+ without the recurrence, dense by default. */
    public static final String GATED_TYPE = "gated_attention";

    public RatPlusConfig {
        dilation = List.copyOf(dilation);
        local = List.copyOf(local);
        initial = List.copyOf(initial);
        for (int d : dilation) {
            if (d == 0 || d < -1) throw new ConfigException("'dilation_size' must be -1 (no dilated keys) or >= 1, got " + d);
        }
        for (int w : local) ConfigReader.requireAtLeast(w, 0, "local_size");
        for (int p : initial) ConfigReader.requireAtLeast(p, 0, "initial_size");
        ConfigReader.requirePositive(ropeBase, "rope_base");
    }

    /** One pattern for every layer, with the recurrence. */
    public static RatPlusConfig of(int dilation, int local, int initial) {
        return new RatPlusConfig(List.of(dilation), List.of(local), List.of(initial), true, false, RotaryEmbedding.DEFAULT_BASE, true);
    }

    /** The attention-with-output-gate baseline of RAT+ (no recurrence), dense. */
    public static RatPlusConfig gatedAttention() {
        return new RatPlusConfig(List.of(1), List.of(0), List.of(0), false, false, RotaryEmbedding.DEFAULT_BASE, true);
    }

    /** Reads a {@code seq_cell} of type {@code ratplus}, or {@code gated_attention} when {@code gated}. */
    public static RatPlusConfig read(ConfigReader r, boolean gated) {
        // The reader's own errors name the full key already; the constructor's checks name the bare key, prefixed here.
        List<Integer> dilation = r.getIntOrList("dilation_size", gated ? 1 : 64);
        List<Integer> local = r.getIntOrList("local_size", 0);
        List<Integer> initial = r.getIntOrList("initial_size", 0);
        boolean applyRe = r.getBool("apply_re", !gated);
        boolean jointTrain = r.getBool("joint_train", false);
        double ropeBase = r.getDouble("rope_base", RotaryEmbedding.DEFAULT_BASE);
        boolean rope = RotaryEmbedding.read(r);
        try {
            return new RatPlusConfig(dilation, local, initial, applyRe, jointTrain, ropeBase, rope);
        } catch (ConfigException e) {
            throw new ConfigException(e.getMessage().replaceFirst("^'", "'" + r.path() + "."), e);
        }
    }

    /** The pattern of the {@code index}-th layer that uses this cell. */
    public RatPlusPattern patternFor(int index) {
        return new RatPlusPattern(pick(dilation, index), pick(local, index), pick(initial, index));
    }

    private static int pick(List<Integer> values, int index) {
        return values.size() == 1 ? values.get(0) : values.get(index);
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public RatPlusBlock block(BlockDims dims, int seqLen, int indexInCell) {
        return new RatPlusBlock(dims, this, patternFor(indexInCell));
    }

    @Override
    public int sequenceMultiple() {
        return 1;
    }

    @Override
    public String describe() {
        return (applyRe ? "RAT+" : "gated attention") + "(D=" + dilation + ", W=" + local + ", P=" + initial + (rope ? "" : ", NoPE") + ")";
    }

    @Override
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", TYPE);
        m.put("dilation_size", dilation.size() == 1 ? dilation.get(0) : dilation);
        m.put("local_size", local.size() == 1 ? local.get(0) : local);
        m.put("initial_size", initial.size() == 1 ? initial.get(0) : initial);
        m.put("apply_re", applyRe);
        m.put("joint_train", jointTrain);
        m.put("rope_base", ropeBase);
        RotaryEmbedding.write(m, rope);
        return m;
    }

    /** Per-layer lists must have one entry per layer that uses this cell. */
    @Override
    public void validate(int numHeads, int layers) {
        for (List<Integer> list : List.of(dilation, local, initial)) {
            if (list.size() != 1 && list.size() != layers) {
                throw new ConfigException("a per-layer RAT+ list has " + list.size() + " entries but " + layers
                        + " layers use that cell; give one integer or exactly " + layers);
            }
        }
    }
}
