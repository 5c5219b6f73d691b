package org.rat4j.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The sequence mixers rat4j implements, by the names used in configs and in {@code config.json}. */
public enum MixerType {
    /** Chunked recurrence + inter-chunk attention (spec §1). */
    RAT("rat"),
    /** Causal softmax attention with absolute RoPE (spec §2.2). */
    ATTENTION("attention"),
    /** Sliding-window ("local") attention, each query sees W+1 keys (spec §2.3). */
    SWA("swa"),
    /** Whole-sequence gated linear recurrence (spec §2.1). */
    RNN("rnn"),
    /** Full-sequence recurrence + dilated/local/sink attention, and with {@code apply_re: false} the gated-attention baseline (spec §3). */
    RATPLUS("ratplus");

    private final String configName;

    MixerType(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    /** Parses a config name; {@code local_attention} is accepted for SWA and {@code gated_attention} is handled by {@link MixerConfig}. */
    public static MixerType parse(String name, String where) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.equals("local_attention")) return SWA;
        for (MixerType t : values()) {
            if (t.configName.equals(n)) return t;
        }
        String valid = Arrays.stream(values()).map(MixerType::configName).collect(Collectors.joining(", "))
                + ", gated_attention";
        String near = ConfigReader.nearest(n, Arrays.stream(values()).map(MixerType::configName).toList());
        throw new ConfigException("unknown layer type " + ConfigException.quote(name) + " at '" + where + "'"
                + (near == null ? "" : "; did you mean '" + near + "'?") + " Valid types: " + valid);
    }
}
