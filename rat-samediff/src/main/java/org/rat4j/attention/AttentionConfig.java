package org.rat4j.attention;

import org.rat4j.block.BlockDims;
import org.rat4j.block.MixerConfig;
import org.rat4j.config.ConfigReader;
import org.rat4j.ops.RotaryEmbedding;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.rat4j.config.ConfigReader.requireAtLeast;

/**
 * Softmax attention with RoPE (spec §2.2, type {@code attention}) or, with a window W, sliding-window attention
 * (spec §2.3, type {@code swa}; {@code local_attention} is accepted when reading).
 *
 * @param window   W: each query sees the W previous tokens and itself; {@link #FULL} for full causal attention
 * @param ropeBase RoPE base (10000)
 * @param rope     RoPE on; false (config {@code rope: none}) drops positional encoding (NoPE)
 */
public record AttentionConfig(int window, double ropeBase, boolean rope) implements MixerConfig {
    public static final String TYPE = "attention";
    public static final String SWA_TYPE = "swa";
    /** The window of full causal attention. */
    public static final int FULL = -1;

    public AttentionConfig {
        if (window != FULL) requireAtLeast(window, 0, "window_size");
        ConfigReader.requirePositive(ropeBase, "rope_base");
    }

    /** Full causal attention. */
    public static AttentionConfig full() {
        return new AttentionConfig(FULL, RotaryEmbedding.DEFAULT_BASE, true);
    }

    /** Sliding-window attention with window W. */
    public static AttentionConfig sliding(int window) {
        return new AttentionConfig(window, RotaryEmbedding.DEFAULT_BASE, true);
    }

    public static AttentionConfig readFull(ConfigReader r) {
        return new AttentionConfig(FULL, r.getDouble("rope_base", RotaryEmbedding.DEFAULT_BASE), RotaryEmbedding.read(r));
    }

    public static AttentionConfig readSliding(ConfigReader r) {
        return new AttentionConfig(r.getInt("window_size", 1024, 0), r.getDouble("rope_base", RotaryEmbedding.DEFAULT_BASE),
                RotaryEmbedding.read(r));
    }

    public boolean isSliding() {
        return window != FULL;
    }

    @Override
    public String type() {
        return isSliding() ? SWA_TYPE : TYPE;
    }

    @Override
    public AttentionBlock block(BlockDims dims, int seqLen, int indexInCell) {
        return new AttentionBlock(dims, this);
    }

    @Override
    public int sequenceMultiple() {
        return 1;
    }

    @Override
    public String describe() {
        return (isSliding() ? "SWA(W=" + window + ")" : "attention") + (rope ? "" : " NoPE");
    }

    @Override
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type());
        if (isSliding()) m.put("window_size", window);
        m.put("rope_base", ropeBase);
        RotaryEmbedding.write(m, rope);
        return m;
    }

    @Override
    public void validate(int numHeads, int layers) {
    }
}
