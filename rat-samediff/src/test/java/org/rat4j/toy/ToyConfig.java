package org.rat4j.toy;

import org.rat4j.block.BlockDims;
import org.rat4j.block.MixerBlock;
import org.rat4j.block.MixerConfig;
import org.rat4j.config.ConfigReader;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A mixer that exists only in the tests, to show what adding one takes: this package and one
 * {@code Mixers.register("toy", ToyConfig::read)} (ToyMixerTest). It is an exponential moving average of the values
 * with a fixed decay, gated like the RNN: {@code h_t = a·h_{t−1} + (1−a)·v_t}, {@code out = x + W_out(σ(z)⊙h)}.
 *
 * @param decay a in (0, 1)
 */
public record ToyConfig(double decay) implements MixerConfig {
    public static final String TYPE = "toy";

    public static ToyConfig read(ConfigReader r) {
        return new ToyConfig(r.getDouble("decay", 0.5));
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public MixerBlock block(BlockDims dims, int seqLen, int indexInCell) {
        return new ToyBlock(dims, decay);
    }

    @Override
    public int sequenceMultiple() {
        return 1;
    }

    @Override
    public String describe() {
        return "toy EMA(a=" + decay + ")";
    }

    @Override
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", TYPE);
        m.put("decay", decay);
        return m;
    }

    @Override
    public void validate(int numHeads, int layers) {
    }
}
