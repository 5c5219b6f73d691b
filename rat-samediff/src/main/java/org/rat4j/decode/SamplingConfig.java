package org.rat4j.decode;

import org.rat4j.config.ConfigException;

/**
 * How the next token is chosen, applied in the usual order: temperature, then top-k, then top-p (nucleus).
 * Temperature 0 is greedy decoding (argmax), which ignores top-k and top-p.
 *
 * @param temperature softmax temperature; 0 for greedy
 * @param topK        keep the k most likely tokens (0: all)
 * @param topP        keep the smallest set of most likely tokens whose probability reaches p (1: all)
 * @param seed        seeds one random stream per sequence, so a sequence's sample does not depend on the others
 */
public record SamplingConfig(double temperature, int topK, double topP, long seed) {
    public SamplingConfig {
        if (temperature < 0 || Double.isNaN(temperature)) throw new ConfigException("temperature must be >= 0, got " + temperature);
        if (topK < 0) throw new ConfigException("top-k must be >= 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new ConfigException("top-p must be in (0, 1], got " + topP);
    }

    public static SamplingConfig greedy() {
        return new SamplingConfig(0, 0, 1, 0);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }
}
