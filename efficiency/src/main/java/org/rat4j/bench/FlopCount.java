package org.rat4j.bench;

import org.rat4j.config.RatPlusPattern;

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
 * <p>"Executed" FLOPs are what rat4j's parallel graphs actually multiply: a dense {@code [T, T]} score matrix for
 * attention, {@code [T, C+1]} for RAT, a {@code 2S}-key band per block for SWA ({@code BandedAttention}), and
 * band + sinks + every Dl-th key for RAT+ ({@code DilatedAttention}); SWA and RAT+ fall back to the dense matrix where
 * the band would not be narrower than T.
 */
public final class FlopCount {
    private FlopCount() {
    }

    /** Projection FLOPs per token. */
    public static double projectionPerToken(MixerSpec m, int d, int heads) {
        double dd = (double) d * d;
        int headDim = d / heads;
        return switch (m.type()) {
            case ATTENTION, SWA, RNN -> 8 * dd;
            case RAT -> 8 * dd + 4.0 * m.cell().ngroups() * headDim * d;
            case RATPLUS -> (m.cell().applyRe() ? 12 : 10) * dd;
        };
    }

    /** Weights of the layer (norm, in_proj, gate bias, out_proj), in elements. */
    public static double weightElements(MixerSpec m, int d, int heads) {
        return projectionPerToken(m, d, heads) / 2 + d + (m.family().equals("rat") || m.family().equals("rnn") ? d : 0);
    }

    /** Keys attended by the query at position t (0-based). */
    public static long keys(MixerSpec m, long t) {
        return switch (m.type()) {
            case ATTENTION -> t + 1;
            case SWA -> Math.min(t, m.cell().windowSize()) + 1;
            case RNN -> 0;
            case RAT -> t / m.cell().chunkSize() + 1;
            case RATPLUS -> ratPlusKeys(m.pattern(), t);
        };
    }

    static long ratPlusKeys(RatPlusPattern p, long t) {
        long w = p.local();
        long local = Math.min(t, w) + 1;                               // t−W .. t
        long beforeWindow = t - w;                                     // keys k < t−W lie outside the window
        if (beforeWindow <= 0) return local;
        long sinks = Math.min(p.initial(), beforeWindow);
        long dilated = 0;
        if (p.dilation() != -1 && beforeWindow > p.initial()) {
            // k in [P, t−W−1] with (k+1) mod Dl == 0, i.e. multiples of Dl in [P+1, t−W]
            dilated = beforeWindow / p.dilation() - (long) p.initial() / p.dilation();
        }
        return local + sinks + dilated;
    }

    /** Σ_{t<T} keys(t). */
    public static double keySum(MixerSpec m, int seqLen) {
        switch (m.type()) {
            case ATTENTION:
                return (double) seqLen * (seqLen + 1) / 2;
            case RNN:
                return 0;
            case RAT: {
                long l = m.cell().chunkSize();
                long c = seqLen / l;
                double full = (double) l * c * (c + 1) / 2;
                long rest = seqLen - c * l;                             // a partial last chunk (T not a multiple of L)
                return full + (double) rest * (c + 1);
            }
            default: {
                double s = 0;
                for (long t = 0; t < seqLen; t++) s += keys(m, t);
                return s;
            }
        }
    }

    /** Keys per query in rat4j's dense parallel graph (the width of its score matrix). */
    public static double executedKeysPerQuery(MixerSpec m, int seqLen) {
        return switch (m.type()) {
            case ATTENTION -> seqLen;
            case SWA -> {
                int block = org.rat4j.ops.BandedAttention.blockSize(seqLen, m.cell().windowSize());
                yield block > 0 ? 2 * block : seqLen;                        // a 2S-key band per block, else dense
            }
            case RATPLUS -> {
                RatPlusPattern p = m.pattern();
                int block = org.rat4j.ops.DilatedAttention.blockSize(seqLen, p);
                if (block <= 0) yield seqLen;
                int first = p.dilation() == -1 ? seqLen : org.rat4j.ops.DilatedAttention.firstDilatedKey(p);
                int dilated = first < seqLen ? (seqLen - 1 - first) / p.dilation() + 1 : 0;
                yield 2 * block + Math.min(p.initial(), seqLen) + dilated;   // band + sinks + strided keys, all queries
            }
            case RNN -> 0;
            case RAT -> seqLen / m.cell().chunkSize() + 1;
        };
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
        double cache = m.type() == org.rat4j.config.MixerType.RNN ? d : 2.0 * d * keys(m, seqLen - 1L);
        return 4.0 * (weightElements(m, d, heads) + (double) batch * cache);
    }
}
