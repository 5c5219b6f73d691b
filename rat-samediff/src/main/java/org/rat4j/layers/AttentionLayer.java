package org.rat4j.layers;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.config.MixerConfig;
import org.rat4j.config.MixerType;
import org.rat4j.decode.AttentionCache;
import org.rat4j.decode.DecodeCache;
import org.rat4j.ops.AttentionMask;
import org.rat4j.ops.BandedAttention;
import org.rat4j.ops.GraphContext;
import org.rat4j.ops.RotaryEmbedding;
import org.rat4j.ops.SoftmaxAttention;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.rat4j.layers.Projections.*;

/**
 * Causal softmax attention (spec §2.2) and, with a window W, sliding-window attention (spec §2.3):
 * {@code [v, q, k] = RMSNorm(x)·W_inᵀ}, RoPE at token positions on q and k, {@code out = x + W_out·attn}. No output gate.
 * A query at t sees keys {@code max(0, t−W) .. t} with a window, all of {@code 0 .. t} without. A window much
 * shorter than the sequence runs as {@link BandedAttention} (O(T·W) scores); otherwise a dense masked softmax.
 */
public final class AttentionLayer implements SequenceBlock {
    /** Tap names: keys (before RoPE) and values, {@code [B, T, D]}. */
    public static final String TAP_K = "k";
    public static final String TAP_V = "v";

    private final BlockDims dims;
    private final MixerConfig cell;

    public AttentionLayer(BlockDims dims, MixerConfig cell) {
        this.dims = dims;
        this.cell = cell;
    }

    /** The window W, or -1 for full causal attention. */
    public int window() {
        return cell.type() == MixerType.SWA ? cell.windowSize() : -1;
    }

    @Override
    public LinkedHashMap<String, long[]> parameterShapes() {
        long d = dims.dModel();
        LinkedHashMap<String, long[]> m = new LinkedHashMap<>();
        m.put(NORM, new long[]{d});
        m.put(IN_PROJ, new long[]{3 * d, d});
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

        SDVariable u = inProjection(sd, x, p, dims);                          // [B·T, 3D]
        SDVariable v = columns(u, 0, d);
        SDVariable q = columns(u, d, d);
        SDVariable k = columns(u, 2L * d, d);
        ctx.tap(tapPrefix + TAP_K, k, d);
        ctx.tap(tapPrefix + TAP_V, v, d);

        SDVariable[] rope = tokenRope(ctx, hd, cell.ropeBase());
        SDVariable qh = RotaryEmbedding.apply(sd, toHeads(sd, q, seqLen, heads, hd), rope[0], rope[1], hd);   // [B, H, T, d]
        SDVariable kh = RotaryEmbedding.apply(sd, toHeads(sd, k, seqLen, heads, hd), rope[0], rope[1], hd);
        int w = window();
        SDVariable vh = toHeads(sd, v, seqLen, heads, hd);
        int block = w < 0 ? -1 : BandedAttention.blockSize(seqLen, w);
        if (block > 0) {
            SDVariable y = BandedAttention.apply(ctx, qh, kh, vh, heads, hd, w, block);                    // [B, H, T, d]
            return residualOut(sd, x, fromHeads(sd, y, heads, hd), p, seqLen, d);
        }
        SDVariable mask = w < 0
                ? ctx.constant("mask.causal.T" + seqLen, () -> AttentionMask.build(seqLen, seqLen, AttentionMask.causal()))
                : ctx.constant("mask.swa" + w + ".T" + seqLen,
                        () -> AttentionMask.build(seqLen, seqLen, AttentionMask.slidingWindow(w)));
        SDVariable y = SoftmaxAttention.apply(sd, qh, kh, vh, mask, hd);                                   // [B, H, T, d]
        return residualOut(sd, x, fromHeads(sd, y, heads, hd), p, seqLen, d);
    }

    /** RoPE tables {@code {cos, sin}} at token positions 0..T-1, shared by all layers of a graph. */
    static SDVariable[] tokenRope(GraphContext ctx, int headDim, double base) {
        int seqLen = ctx.seqLen();
        String key = "rope.T" + seqLen + ".d" + headDim + ".base" + base;
        return new SDVariable[]{
                ctx.constant(key + ".cos", () -> RotaryEmbedding.tables(RotaryEmbedding.positions(seqLen, 1, 0), headDim, base)[0]),
                ctx.constant(key + ".sin", () -> RotaryEmbedding.tables(RotaryEmbedding.positions(seqLen, 1, 0), headDim, base)[1])};
    }

    @Override
    public List<String> tapNames() {
        return List.of(TAP_K, TAP_V);
    }

    @Override
    public DecodeCache newCache(Map<String, INDArray> params, int batch, int capacity) {
        return new AttentionCache(dims, cell, window(), params, batch, capacity);
    }
}
