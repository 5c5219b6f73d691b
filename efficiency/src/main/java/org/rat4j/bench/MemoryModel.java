package org.rat4j.bench;

import java.util.Map;

/**
 * Predicts the peak resident memory of a layer-benchmark case, so that a case that would not fit is reported as
 * OOM before it starts. The constants were fitted to peak RSS measured on this machine (docs/performance.md):
 * a SameDiff training step of RAT at D = 1024 allocated about 345 float arrays of {@code [B·T, D]} (2.7 GiB for
 * 2048 tokens; with SameDiff's sessions cleared between runs the peak is about one step's worth). The worker refines the prediction with the peak it measured at the previous T of the same
 * mixer and mode ({@link #extrapolate}).
 */
public final class MemoryModel {
    /** JVM, ND4J and libraries. */
    public static final long BASE = 700L << 20;

    private MemoryModel() {
    }

    /** Width of the score matrix of rat4j's parallel graph (keys per query). */
    static double scoreWidth(MixerSpec m, int seqLen) {
        return FlopCount.executedKeysPerQuery(m, seqLen);
    }

    /** Bytes one iteration allocates (the quantity that scales with the shape), float32. */
    public static double iterationBytes(String mode, MixerSpec m, int d, int heads, int batch, int seqLen) {
        double tokens = (double) batch * seqLen;
        double s = scoreWidth(m, seqLen);
        double scores = tokens * heads * s;                          // one [B, H, T, S] tensor
        double mask = 5.0 * seqLen * s;                              // double[][] + double + float copies, in floats
        double act = tokens * d;
        double perAct = activationsPerToken(mode, m, seqLen);
        return switch (mode) {
            case Modes.TRAIN -> 4 * (perAct * act + 10 * scores + mask);
            case Modes.PREFILL -> 4 * (perAct * act + 1.5 * scores + mask);
            default -> 4 * (act + batch * cacheElements(m, d, seqLen) + 2 * FlopCount.weightElements(m, d, heads));
        };
    }

    /**
     * Fitted [B·T, D] float arrays a train step allocates, by mixer family: {base, per scan doubling}. The scan runs
     * over 2D features (RAT, RAT+) or D (RNN). A family measured nowhere gets the largest, so it is never
     * under-predicted.
     */
    private static final Map<String, double[]> FITTED = Map.of(
            "attention", new double[]{60, 20}, "swa", new double[]{60, 20}, "rnn", new double[]{110, 20},
            "rat", new double[]{110, 60}, "ratplus", new double[]{90, 40});
    private static final double[] UNMEASURED = {110, 60};

    /** [B·T, D] float arrays one iteration allocates, by mixer (fitted; the scan adds ~60 per doubling of its length). */
    static double activationsPerToken(String mode, MixerSpec m, int seqLen) {
        double scanSteps = log2(m.nominalBlock().scanLength(seqLen));
        if (!mode.equals(Modes.TRAIN)) return 25 + 5 * scanSteps;
        double[] fitted = FITTED.getOrDefault(m.family(), UNMEASURED);
        return fitted[0] + fitted[1] * scanSteps;
    }

    /** JVM heap a case holds beyond the base: the decode cache of the gen modes (rat4j keeps it in Java arrays). */
    public static long heapBytes(String mode, MixerSpec m, int d, int batch, int seqLen) {
        return Modes.isGen(mode) ? (long) (4.0 * batch * cacheElements(m, d, seqLen)) : 0L;
    }

    static double cacheElements(MixerSpec m, int d, int seqLen) {
        long keys = FlopCount.keys(m, seqLen - 1L);
        return keys == 0 ? d : 2.0 * d * (keys + 1);                  // a pure recurrence keeps its D-wide state
    }

    private static double log2(int x) {
        return Math.log(Math.max(1, x)) / Math.log(2);
    }

    /**
     * Predicted peak RSS: the base plus one iteration's allocations and a margin (the harness clears SameDiff's
     * sessions between runs; without that a loop holds two iterations, see {@link LayerBenchmark#clearSessions}).
     */
    public static long estimate(String mode, MixerSpec m, int d, int heads, int batch, int seqLen) {
        double iter = iterationBytes(mode, m, d, heads, batch, seqLen);
        double factor = 1.25;
        return BASE + (long) (factor * iter);
    }

    /**
     * The peak of a case predicted from a measured case of the same mixer and mode: the measured growth above the
     * base scaled by the ratio of the modelled allocations, plus 10%.
     */
    public static long extrapolate(long measuredPeak, String mode, MixerSpec m, int d, int heads,
                                   int batchFrom, int seqFrom, int batchTo, int seqTo) {
        double from = iterationBytes(mode, m, d, heads, batchFrom, seqFrom);
        double to = iterationBytes(mode, m, d, heads, batchTo, seqTo);
        return BASE + (long) (1.1 * Math.max(0, measuredPeak - BASE) * (to / from));
    }
}
