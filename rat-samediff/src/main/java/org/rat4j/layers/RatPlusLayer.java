package org.rat4j.layers;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.config.MixerConfig;
import org.rat4j.config.RatPlusPattern;
import org.rat4j.decode.DecodeCache;
import org.rat4j.decode.RatPlusCache;
import org.rat4j.ops.AttentionMask;
import org.rat4j.ops.DilatedAttention;
import org.rat4j.ops.ChunkedRecurrence;
import org.rat4j.ops.GraphContext;
import org.rat4j.ops.RotaryEmbedding;
import org.rat4j.ops.SoftmaxAttention;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.rat4j.layers.Projections.*;

/**
 * RAT+ (spec §3.1): a full-sequence gated recurrence on keys and values, token-position RoPE, then attention with
 * the sparse pattern (dilation Dl, local window W, sinks P) of {@link RatPlusPattern}, and an output gate:
 *
 * <pre>
 *   [o, q, k, v, g] = RMSNorm(x)·W_inᵀ               (g only with apply_re)
 *   k̃, ṽ = scan of (σ(g), k), (σ(g), v) over all T    (k̃ = k, ṽ = v without apply_re)
 *   y = softmax(rope(q)·rope(k̃)ᵀ/√d + mask)·ṽ
 *   out = x + W_out·(y ⊙ σ(o))
 * </pre>
 *
 * A sparse pattern runs as {@link DilatedAttention} (sinks, a local band and a strided slice of the keys, no
 * {@code [T, T]} matrix) when the window is short enough for a band; otherwise, and for the dense pattern, as one
 * masked softmax. With {@code apply_re: false} this is the gated-attention baseline. Training may also run the layer densely
 * ({@link #withPattern}), as the joint recipe of spec §3.3 does.
 */
public final class RatPlusLayer implements SequenceBlock {
    /** Tap names: recurrent keys (before RoPE) and values, {@code [B, T, D]}. */
    public static final String TAP_K = "k_tilde";
    public static final String TAP_V = "v_tilde";

    private final BlockDims dims;
    private final MixerConfig cell;
    private final RatPlusPattern pattern;

    public RatPlusLayer(BlockDims dims, MixerConfig cell, RatPlusPattern pattern) {
        this.dims = dims;
        this.cell = cell;
        this.pattern = pattern;
    }

    public RatPlusPattern pattern() {
        return pattern;
    }

    /** The same layer (same parameters) under another attention pattern, e.g. dense for joint training. */
    public RatPlusLayer withPattern(RatPlusPattern other) {
        return new RatPlusLayer(dims, cell, other);
    }

    private int blocks() {
        return cell.applyRe() ? 5 : 4;
    }

    @Override
    public LinkedHashMap<String, long[]> parameterShapes() {
        long d = dims.dModel();
        LinkedHashMap<String, long[]> m = new LinkedHashMap<>();
        m.put(NORM, new long[]{d});
        m.put(IN_PROJ, new long[]{blocks() * d, d});
        m.put(OUT_PROJ, new long[]{d, d});
        return m;
    }

    @Override
    public void initialize(Map<String, INDArray> p, Initializer init) {
        p.get(NORM).assign(1.0);
        init.normal(IN_PROJ, p.get(IN_PROJ), dims.initStd());
        init.normal(OUT_PROJ, p.get(OUT_PROJ), dims.initStd());
    }

    @Override
    public SDVariable define(GraphContext ctx, SDVariable x, Map<String, SDVariable> p, String tapPrefix) {
        SameDiff sd = ctx.sd();
        int seqLen = ctx.seqLen();
        int d = dims.dModel();
        int heads = dims.numHeads();
        int hd = dims.headDim();

        SDVariable u = inProjection(sd, x, p, dims);                              // [B·T, 4D or 5D]
        SDVariable o = columns(u, 0, d);
        SDVariable q = columns(u, d, d);
        SDVariable k = columns(u, 2L * d, d);
        SDVariable v = columns(u, 3L * d, d);
        SDVariable kTilde = k;
        SDVariable vTilde = v;
        if (cell.applyRe()) {
            SDVariable f = sd.nn.sigmoid(columns(u, 4L * d, d));
            SDVariable gates = sd.reshape(sd.concat(1, f, f), -1, seqLen, 2L * d);         // [B, T, 2D]
            SDVariable inputs = sd.reshape(sd.concat(1, k, v), -1, seqLen, 2L * d);
            SDVariable states = sd.reshape(ChunkedRecurrence.scan(sd, gates, inputs, seqLen), -1, 2L * d); // [B·T, 2D]
            kTilde = columns(states, 0, d);
            vTilde = columns(states, d, d);
        }
        ctx.tap(tapPrefix + TAP_K, kTilde, d);
        ctx.tap(tapPrefix + TAP_V, vTilde, d);

        SDVariable[] rope = AttentionLayer.tokenRope(ctx, hd, cell.ropeBase());
        SDVariable qh = RotaryEmbedding.apply(sd, toHeads(sd, q, seqLen, heads, hd), rope[0], rope[1], hd);   // [B, H, T, d]
        SDVariable kh = RotaryEmbedding.apply(sd, toHeads(sd, kTilde, seqLen, heads, hd), rope[0], rope[1], hd);
        SDVariable vh = toHeads(sd, vTilde, seqLen, heads, hd);
        int block = DilatedAttention.blockSize(seqLen, pattern);
        SDVariable y;                                                                                 // [B, H, T, d]
        if (block > 0) {
            y = DilatedAttention.apply(ctx, qh, kh, vh, heads, hd, pattern, block);
        } else {
            SDVariable mask = pattern.isDense()
                    ? ctx.constant("mask.causal.T" + seqLen, () -> AttentionMask.build(seqLen, seqLen, AttentionMask.causal()))
                    : ctx.constant("mask.ratplus" + pattern + ".T" + seqLen, () -> RatPlusMask.additive(seqLen, pattern));
            y = SoftmaxAttention.apply(sd, qh, kh, vh, mask, hd);
        }
        SDVariable gated = fromHeads(sd, y, heads, hd).mul(sd.nn.sigmoid(o));               // [B·T, D]
        return residualOut(sd, x, gated, p, seqLen, d);
    }

    @Override
    public List<String> tapNames() {
        return List.of(TAP_K, TAP_V);
    }

    @Override
    public DecodeCache newCache(Map<String, INDArray> params, int batch, int capacity) {
        return new RatPlusCache(dims, cell, pattern, params, batch, capacity);
    }
}
