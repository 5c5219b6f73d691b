package org.rat4j.bench;

import org.rat4j.block.MixerBlock;

import java.util.Map;

import static org.rat4j.block.MixerParams.IN_PROJ;
import static org.rat4j.block.MixerParams.OUT_PROJ;

/**
 * Matrix-multiply FLOPs of one layer (norm, projections, mixing, residual), counted as 2 per multiply-add.
 * Elementwise work (RMSNorm, sigmoid gates, the recurrence, RoPE, softmax exponentials) is not counted, as in the
 * usual model-FLOPs convention; it is small next to the GEMMs at D = 1024 but not free (see docs/performance.md).
 *
 * <pre>
 * per-token projections (2 · weight rows · D):
 *   attention, SWA, RNN   in [3D, D] + out [D, D]                 = 8·D²
 *   RAT (G groups, d)     in [3D + 2·G·d, D] + out [D, D]         = 8·D² + 4·G·d·D
 *   RAT+                  in [5D, D] (4D without recurrence) + out = 12·D² (10·D²)
 * per (query, key) pair, all heads: q·k and p·v                    = 4·d·H = 4·D
 * keys of query t (0-based, causal):
 *   attention t+1;  SWA min(t, W)+1;  RNN 0;  RAT ⌊t/L⌋+1 (previous chunk summaries + its own state);
 *   RAT+ (Dl, W, P)  min(t, W)+1 + max(0, min(P, t−W)) + #{P ≤ k < t−W : (k+1) mod Dl = 0}
 * forward  = B · (T · proj + 4·D · Σ_t keys(t))
 * train    = 3 · forward (the backward costs two forward GEMMs per forward GEMM)
 * gen      = B · (proj + 4·D · keys(T−1))  one token per sequence at position T−1
 * </pre>
 * Spec §4.1 writes RAT's projection FLOPs as 8D² + 8·G·d·D; its in_proj has 2·G·d extra rows, which is
 * 4·G·d·D extra FLOPs (2 per multiply-add), so this class uses 4·G·d·D.
 *
 * <p>Every per-mixer fact is the mixer's own answer: the weight shapes of its block, and the keys per query its
 * {@link MixerBlock} attends ({@code keysAttended}) and its graph computes ({@code keysComputed}); the table above
 * says what they are for the built-in mixers.
 *
 * <p>"Executed" FLOPs are what rat4j's parallel graphs actually multiply: a dense {@code [T, T]} score matrix for
 * attention, {@code [T, C+1]} for RAT, a {@code 2S}-key band per block for SWA ({@code BandedAttention}), and
 * band + sinks + every Dl-th key for RAT+ ({@code DilatedAttention}); SWA and RAT+ fall back to the dense matrix where
 * the band would not be narrower than T.
 */
public final class FlopCount {
    private FlopCount() {
    }

    /** Projection FLOPs per token: 2 per multiply-add over the rows of {@code in_proj} and {@code out_proj}. */
    public static double projectionPerToken(MixerSpec m, int d, int heads) {
        Map<String, long[]> shapes = m.block(d, heads).parameterShapes();
        return 2.0 * d * (shapes.get(IN_PROJ)[0] + shapes.get(OUT_PROJ)[0]);
    }

    /** Weights of the layer (norm, in_proj, gate bias, out_proj), in elements. */
    public static double weightElements(MixerSpec m, int d, int heads) {
        double n = 0;
        for (long[] shape : m.block(d, heads).parameterShapes().values()) {
            double size = 1;
            for (long dim : shape) size *= dim;
            n += size;
        }
        return n;
    }

    /** Keys attended by the query at position t (0-based). */
    public static long keys(MixerSpec m, long t) {
        return m.nominalBlock().keysAttended(t);
    }

    /** Σ_{t<T} keys(t). */
    public static double keySum(MixerSpec m, int seqLen) {
        MixerBlock block = m.nominalBlock();
        double s = 0;
        for (long t = 0; t < seqLen; t++) s += block.keysAttended(t);
        return s;
    }

    /** Keys per query in rat4j's parallel graph (the width of its score matrix). */
    public static double executedKeysPerQuery(MixerSpec m, int seqLen) {
        return m.nominalBlock().keysComputed(seqLen);
    }

    public static double forward(MixerSpec m, int d, int heads, int batch, int seqLen) {
        return batch * (seqLen * projectionPerToken(m, d, heads) + 4.0 * d * keySum(m, seqLen));
    }

    public static double train(MixerSpec m, int d, int heads, int batch, int seqLen) {
        return 3 * forward(m, d, heads, batch, seqLen);
    }

    public static double genStep(MixerSpec m, int d, int heads, int batch, int seqLen) {
        return batch * (projectionPerToken(m, d, heads) + 4.0 * d * keys(m, seqLen - 1L));
    }

    /** FLOPs the dense graph executes (forward). */
    public static double forwardExecuted(MixerSpec m, int d, int heads, int batch, int seqLen) {
        return (double) batch * seqLen * (projectionPerToken(m, d, heads) + 4.0 * d * executedKeysPerQuery(m, seqLen));
    }

    /** FLOPs of a mode: train, prefill or gen. */
    public static double of(String mode, MixerSpec m, int d, int heads, int batch, int seqLen) {
        return switch (mode) {
            case Modes.TRAIN -> train(m, d, heads, batch, seqLen);
            case Modes.PREFILL -> forward(m, d, heads, batch, seqLen);
            case Modes.GEN, Modes.GEN_BATCH -> genStep(m, d, heads, batch, seqLen);
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        };
    }

    public static double executed(String mode, MixerSpec m, int d, int heads, int batch, int seqLen) {
        return switch (mode) {
            case Modes.TRAIN -> 3 * forwardExecuted(m, d, heads, batch, seqLen);
            case Modes.PREFILL -> forwardExecuted(m, d, heads, batch, seqLen);
            case Modes.GEN, Modes.GEN_BATCH -> genStep(m, d, heads, batch, seqLen);
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        };
    }

    /**
     * Bytes one decode step must read at least, float32: the layer's weights once, plus the cached keys and values
     * of every sequence ({@code 2·D} numbers per attended key; the RNN reads its D-wide state).
     */
    public static double genBytes(MixerSpec m, int d, int heads, int batch, int seqLen) {
        long keys = keys(m, seqLen - 1L);
        double cache = keys == 0 ? d : 2.0 * d * keys;                    // a pure recurrence reads its state
        return 4.0 * (weightElements(m, d, heads) + (double) batch * cache);
    }
}
