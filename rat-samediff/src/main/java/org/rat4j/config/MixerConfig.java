package org.rat4j.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hyper-parameters of one sequence mixer ("seq_cell"). Only the fields of its {@link MixerType} are meaningful.
 *
 * @param type        which mixer
 * @param chunkSize   RAT chunk length L
 * @param ngroups     RAT query/key groups G (head h uses group h mod G)
 * @param windowSize  SWA window W (each query sees W+1 keys including itself)
 * @param dilation    RAT+ dilation Dl per layer of this cell (-1: no dilated keys; 1: dense)
 * @param local       RAT+ local window W per layer
 * @param initial     RAT+ sink tokens P per layer
 * @param applyRe     RAT+ recurrence on keys/values (false gives the gated-attention baseline)
 * @param jointTrain  RAT+ joint sparse+dense training (a training recipe flag, spec §3.3)
 * @param ropeBase    RoPE base (10000)
 */
public record MixerConfig(MixerType type, int chunkSize, int ngroups, int windowSize,
                          List<Integer> dilation, List<Integer> local, List<Integer> initial,
                          boolean applyRe, boolean jointTrain, double ropeBase) {

    public static final double DEFAULT_ROPE_BASE = 10000.0;

    public MixerConfig {
        dilation = List.copyOf(dilation);
        local = List.copyOf(local);
        initial = List.copyOf(initial);
    }

    public static MixerConfig rat(int chunkSize, int ngroups) {
        return new MixerConfig(MixerType.RAT, chunkSize, ngroups, 0, List.of(1), List.of(0), List.of(0), true, false, DEFAULT_ROPE_BASE);
    }

    public static MixerConfig attention() {
        return new MixerConfig(MixerType.ATTENTION, 1, 1, 0, List.of(1), List.of(0), List.of(0), false, false, DEFAULT_ROPE_BASE);
    }

    public static MixerConfig swa(int windowSize) {
        return new MixerConfig(MixerType.SWA, 1, 1, windowSize, List.of(1), List.of(0), List.of(0), false, false, DEFAULT_ROPE_BASE);
    }

    public static MixerConfig rnn() {
        return new MixerConfig(MixerType.RNN, 1, 1, 0, List.of(1), List.of(0), List.of(0), true, false, DEFAULT_ROPE_BASE);
    }

    public static MixerConfig ratPlus(int dilation, int local, int initial) {
        return new MixerConfig(MixerType.RATPLUS, 1, 1, 0, List.of(dilation), List.of(local), List.of(initial), true, false, DEFAULT_ROPE_BASE);
    }

    /** The attention-with-output-gate baseline of RAT+ (no recurrence), dense by default. */
    public static MixerConfig gatedAttention() {
        return new MixerConfig(MixerType.RATPLUS, 1, 1, 0, List.of(1), List.of(0), List.of(0), false, false, DEFAULT_ROPE_BASE);
    }

    public MixerConfig withPattern(List<Integer> dilation, List<Integer> local, List<Integer> initial) {
        return new MixerConfig(type, chunkSize, ngroups, windowSize, dilation, local, initial, applyRe, jointTrain, ropeBase);
    }

    public MixerConfig withChunkSize(int l) {
        return new MixerConfig(type, l, ngroups, windowSize, dilation, local, initial, applyRe, jointTrain, ropeBase);
    }

    public MixerConfig withApplyRe(boolean re) {
        return new MixerConfig(type, chunkSize, ngroups, windowSize, dilation, local, initial, re, jointTrain, ropeBase);
    }

    public MixerConfig withJointTrain(boolean joint) {
        return new MixerConfig(type, chunkSize, ngroups, windowSize, dilation, local, initial, applyRe, joint, ropeBase);
    }

    /** The RAT+ (Dl, W, P) of the {@code index}-th layer that uses this cell. */
    public RatPlusPattern patternFor(int index) {
        return new RatPlusPattern(pick(dilation, index), pick(local, index), pick(initial, index));
    }

    private static int pick(List<Integer> values, int index) {
        return values.size() == 1 ? values.get(0) : values.get(index);
    }

    /** Parses one {@code seq_cell} mapping. */
    public static MixerConfig read(ConfigReader r) {
        String typeName = r.requireString("type");
        boolean gated = typeName.trim().equalsIgnoreCase("gated_attention");
        MixerType type = gated ? MixerType.RATPLUS : MixerType.parse(typeName, r.path() + ".type");
        double base = r.getDouble("rope_base", DEFAULT_ROPE_BASE);
        MixerConfig m = switch (type) {
            case RAT -> rat(r.getInt("chunk_size", 16), r.getInt("ngroups", 2));
            case ATTENTION -> attention();
            case SWA -> swa(r.getInt("window_size", 1024));
            case RNN -> rnn();
            case RATPLUS -> new MixerConfig(MixerType.RATPLUS, 1, 1, 0,
                    r.getIntOrList("dilation_size", gated ? 1 : 64),
                    r.getIntOrList("local_size", 0),
                    r.getIntOrList("initial_size", 0),
                    r.getBool("apply_re", !gated),
                    r.getBool("joint_train", false), DEFAULT_ROPE_BASE);
        };
        m = new MixerConfig(m.type, m.chunkSize, m.ngroups, m.windowSize, m.dilation, m.local, m.initial,
                m.applyRe, m.jointTrain, base);
        m.validate(r.path());
        return m;
    }

    void validate(String where) {
        switch (type) {
            case RAT -> {
                if (chunkSize < 1) throw new ConfigException("'" + where + ".chunk_size' must be >= 1, got " + chunkSize);
                if (ngroups < 1) throw new ConfigException("'" + where + ".ngroups' must be >= 1, got " + ngroups);
            }
            case SWA -> {
                if (windowSize < 0) throw new ConfigException("'" + where + ".window_size' must be >= 0, got " + windowSize);
            }
            case RATPLUS -> {
                for (int d : dilation) {
                    if (d == 0 || d < -1) {
                        throw new ConfigException("'" + where + ".dilation_size' must be -1 (no dilated keys) or >= 1, got " + d);
                    }
                }
                for (int w : local) if (w < 0) throw new ConfigException("'" + where + ".local_size' must be >= 0, got " + w);
                for (int p : initial) if (p < 0) throw new ConfigException("'" + where + ".initial_size' must be >= 0, got " + p);
            }
            default -> { }
        }
    }

    /** The mapping written to {@code config.json} and YAML; {@link #read} reads it back. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type.configName());
        switch (type) {
            case RAT -> {
                m.put("chunk_size", chunkSize);
                m.put("ngroups", ngroups);
            }
            case SWA -> m.put("window_size", windowSize);
            case RATPLUS -> {
                m.put("dilation_size", dilation.size() == 1 ? dilation.get(0) : dilation);
                m.put("local_size", local.size() == 1 ? local.get(0) : local);
                m.put("initial_size", initial.size() == 1 ? initial.get(0) : initial);
                m.put("apply_re", applyRe);
                m.put("joint_train", jointTrain);
            }
            default -> { }
        }
        if (type != MixerType.RNN) m.put("rope_base", ropeBase);
        return m;
    }
}
