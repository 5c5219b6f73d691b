package org.rat4j.ratplus;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.block.BlockDims;
import org.rat4j.block.DecodeCache;
import org.rat4j.block.InProjection;
import org.rat4j.block.Initializer;
import org.rat4j.block.MixerBlock;
import org.rat4j.block.MixerParams;
import org.rat4j.ops.AttentionMask;
import org.rat4j.ops.ChunkedRecurrence;
import org.rat4j.ops.GraphContext;
import org.rat4j.ops.SoftmaxAttention;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.rat4j.block.InProjection.*;
import static org.rat4j.block.MixerParams.*;

/**
 * RAT+ (spec §3.1): a full-sequence gated recurrence on keys and values, token-position RoPE, then attention with
 * the sparse pattern (dilation Dl, local window W, sinks P) of {@link RatPlusPattern}, and an output gate:
 *
 * <pre>
 *   [o, q, k, v, g] = RMSNorm(x)·W_inᵀ               (g only with apply_re; {@link RatPlusLayout})
 *   k̃, ṽ = scan of (σ(g), k), (σ(g), v) over all T    (k̃ = k, ṽ = v without apply_re)
 *   y = softmax(rope(q)·rope(k̃)ᵀ/√d + mask)·ṽ
 *   out = x + W_out·(y ⊙ σ(o))
 * </pre>
 *
 * A sparse pattern runs as {@link DilatedAttention} (sinks, a local band and a strided slice of the keys, no
 * {@code [T, T]} matrix) when the window is short enough for a band; otherwise, and for the dense pattern, as one
 * masked softmax. With {@code apply_re: false} this is the gated-attention baseline. Training may also run the layer
 * densely ({@link #dense()}), as the joint recipe of spec §3.3 does.
 */
public final class RatPlusBlock implements MixerBlock {
    private final BlockDims dims;
    private final RatPlusConfig cell;
    private final RatPlusPattern pattern;
    private final RatPlusLayout layout;

    public RatPlusBlock(BlockDims dims, RatPlusConfig cell, RatPlusPattern pattern) {
        this.dims = dims;
        this.cell = cell;
        this.pattern = pattern;
        this.layout = RatPlusLayout.of(dims.dModel(), cell.applyRe());
    }

    public RatPlusPattern pattern() {
        return pattern;
    }

    /** The same layer (same parameters) with dense causal attention, for the dense pass of joint training. */
    @Override
    public RatPlusBlock dense() {
        return new RatPlusBlock(dims, cell, RatPlusPattern.DENSE);
    }

    @Override
    public LinkedHashMap<String, long[]> parameterShapes() {
        return MixerParams.shapes(dims, layout.rows(), false);
    }

    @Override
    public void initialize(Map<String, INDArray> p, Initializer init) {
        MixerParams.initializeProjections(p, init, dims);
    }

    @Override
    public SDVariable define(GraphContext ctx, SDVariable x, Map<String, SDVariable> p, String tapPrefix) {
        SameDiff sd = ctx.sd();
        int seqLen = ctx.seqLen();
        int d = dims.dModel();
        int heads = dims.numHeads();
        int hd = dims.headDim();

        SDVariable u = InProjection.apply(sd, x, p, dims);                                     // [B·T, 4D or 5D]
        SDVariable o = columns(u, layout.o());
        SDVariable q = columns(u, layout.q());
        SDVariable k = columns(u, layout.k());
        SDVariable v = columns(u, layout.v());
        SDVariable kTilde = k;
        SDVariable vTilde = v;
        if (cell.applyRe()) {
            SDVariable f = sd.nn.sigmoid(columns(u, layout.gate()));
            SDVariable gates = sd.reshape(sd.concat(1, f, f), -1, seqLen, 2L * d);         // [B, T, 2D]
            SDVariable inputs = sd.reshape(sd.concat(1, k, v), -1, seqLen, 2L * d);
            SDVariable states = sd.reshape(ChunkedRecurrence.scan(sd, gates, inputs, seqLen), -1, 2L * d); // [B·T, 2D]
            kTilde = columns(states, 0, d);
            vTilde = columns(states, d, d);
        }
        ctx.tap(tapPrefix + RatPlusLayout.TAP_K, kTilde, d);
        ctx.tap(tapPrefix + RatPlusLayout.TAP_V, vTilde, d);

        SDVariable qh = rotatedHeads(ctx, q, heads, hd, cell.rope(), cell.ropeBase());                       // [B, H, T, d]
        SDVariable kh = rotatedHeads(ctx, kTilde, heads, hd, cell.rope(), cell.ropeBase());
        SDVariable vh = toHeads(sd, vTilde, seqLen, heads, hd);
        int block = DilatedAttention.blockSize(seqLen, pattern);
        SDVariable y;                                                                                 // [B, H, T, d]
        if (block > 0) {
            y = DilatedAttention.apply(ctx, qh, kh, vh, heads, hd, pattern, block);
        } else {
            SDVariable mask = pattern.isDense()
                    ? AttentionMask.causal(ctx)
                    : ctx.constant("mask.ratplus" + pattern + ".T" + seqLen, () -> RatPlusMask.additive(seqLen, pattern));
            y = SoftmaxAttention.apply(sd, qh, kh, vh, mask, hd);
        }
        SDVariable gated = fromHeads(sd, y, heads, hd).mul(sd.nn.sigmoid(o));               // [B·T, D]
        return residualOut(sd, x, gated, p, seqLen, d);
    }

    @Override
    public List<String> tapNames() {
        return List.of(RatPlusLayout.TAP_K, RatPlusLayout.TAP_V);
    }

    @Override
    public DecodeCache newCache(Map<String, INDArray> params, int batch, int capacity, DataType stateType) {
        return new RatPlusCache(dims, cell, pattern, layout, params, batch, capacity, stateType);
    }

    /** Sinks, window and dilated keys of the pattern (spec §3.2). */
    @Override
    public long keysAttended(long t) {
        return pattern.keysAttended(t);
    }

    /** Band + sinks + every Dl-th key for each query ({@link DilatedAttention}), or the dense {@code [T, T]} matrix. */
    @Override
    public double keysComputed(int seqLen) {
        int block = DilatedAttention.blockSize(seqLen, pattern);
        if (block <= 0) return seqLen;
        return 2 * block + Math.min(pattern.initial(), seqLen) + DilatedAttention.dilatedKeys(pattern, seqLen);
    }

    @Override
    public int scanLength(int seqLen) {
        return cell.applyRe() ? seqLen : 0;
    }
}
