package org.rat4j.decode;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Picks a token id from one row of logits according to a {@link SamplingConfig}. */
public final class Sampler {
    private final SamplingConfig config;
    private final SplittableRandom random;

    /** A sampler for sequence {@code index} of a batch; each index gets its own stream from the seed. */
    public Sampler(SamplingConfig config, int index) {
        this.config = config;
        this.random = new SplittableRandom(config.seed() * 1_000_003L + index);
    }

    public int next(double[] logits) {
        if (config.isGreedy()) return argmax(logits);
        int v = logits.length;
        Integer[] order = new Integer[v];
        for (int i = 0; i < v; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Double.compare(logits[b], logits[a]));           // most likely first
        int keep = config.topK() > 0 ? Math.min(config.topK(), v) : v;
        double max = logits[order[0]];
        double[] p = new double[keep];
        double sum = 0;
        for (int i = 0; i < keep; i++) {
            p[i] = Math.exp((logits[order[i]] - max) / config.temperature());
            sum += p[i];
        }
        // Nucleus: the shortest prefix whose mass reaches top-p (always at least one token).
        double cumulative = 0;
        int cut = keep;
        for (int i = 0; i < keep; i++) {
            cumulative += p[i] / sum;
            if (cumulative >= config.topP()) {
                cut = i + 1;
                break;
            }
        }
        double mass = 0;
        for (int i = 0; i < cut; i++) mass += p[i];
        double u = random.nextDouble() * mass;
        for (int i = 0; i < cut; i++) {
            u -= p[i];
            if (u <= 0) return order[i];
        }
        return order[cut - 1];
    }

    /** Index of the largest value (the first on ties). */
    public static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
