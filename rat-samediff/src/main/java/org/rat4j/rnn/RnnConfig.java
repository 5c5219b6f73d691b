package org.rat4j.rnn;

import org.rat4j.block.BlockDims;
import org.rat4j.block.MixerConfig;
import org.rat4j.config.ConfigReader;

import java.util.LinkedHashMap;
import java.util.Map;

/** The RNN baseline (spec §2.1): a whole-sequence gated linear recurrence. It has no hyper-parameters of its own. */
public record RnnConfig() implements MixerConfig {
    public static final String TYPE = "rnn";

    /** Reads a {@code seq_cell} of type {@code rnn}; a {@code rope_base} (shared configs carry one) is accepted and unused. */
    public static RnnConfig read(ConfigReader r) {
        r.getDouble("rope_base", 0);
        return new RnnConfig();
    }

    @Override
    public String type() {
        return TYPE;
    }

    /** The gate bias's chrono init spans the model's training length {@code seqLen}. */
    @Override
    public RnnBlock block(BlockDims dims, int seqLen, int indexInCell) {
        return new RnnBlock(dims, seqLen);
    }

    @Override
    public int sequenceMultiple() {
        return 1;
    }

    @Override
    public String describe() {
        return "RNN";
    }

    @Override
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", TYPE);
        return m;
    }

    @Override
    public void validate(int numHeads, int layers) {
    }
}
