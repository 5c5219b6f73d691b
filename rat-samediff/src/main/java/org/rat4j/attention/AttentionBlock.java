package org.rat4j.attention;

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
import org.rat4j.ops.BandedAttention;
import org.rat4j.ops.GraphContext;
import org.rat4j.ops.SoftmaxAttention;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.rat4j.block.InProjection.*;
import static org.rat4j.block.MixerParams.*;

/**
 * Causal softmax attention (spec §2.2) and, with a window W, sliding-window attention (spec §2.3):
 * {@code [v, q, k] = RMSNorm(x)·W_inᵀ}, RoPE at token positions on q and k, {@code out = x + W_out·attn}. No output gate.
 * A query at t sees keys {@code max(0, t−W) .. t} with a window, all of {@code 0 .. t} without. A window much
 * shorter than the sequence runs as {@link BandedAttention} (O(T·W) scores); otherwise a dense masked softmax.
 */
public final class AttentionBlock implements MixerBlock {
    private final BlockDims dims;
    private final AttentionConfig cell;
    private final AttentionLayout layout;

    public AttentionBlock(BlockDims dims, AttentionConfig cell) {
        this.dims = dims;
        this.cell = cell;
        this.layout = AttentionLayout.of(dims.dModel());
    }

    public AttentionConfig cell() {
        return cell;
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

        SDVariable u = InProjection.apply(sd, x, p, dims);                                     // [B·T, 3D]
        SDVariable v = columns(u, layout.v());
        SDVariable q = columns(u, layout.q());
        SDVariable k = columns(u, layout.k());
        ctx.tap(tapPrefix + AttentionLayout.TAP_K, k, d);
        ctx.tap(tapPrefix + AttentionLayout.TAP_V, v, d);

        SDVariable qh = rotatedHeads(ctx, q, heads, hd, cell.rope(), cell.ropeBase());                       // [B, H, T, d]
        SDVariable kh = rotatedHeads(ctx, k, heads, hd, cell.rope(), cell.ropeBase());
        SDVariable vh = toHeads(sd, v, seqLen, heads, hd);
        int w = cell.window();
        int block = cell.isSliding() ? BandedAttention.blockSize(seqLen, w) : -1;
        if (block > 0) {
            SDVariable y = BandedAttention.apply(ctx, qh, kh, vh, heads, hd, w, block);                    // [B, H, T, d]
            return residualOut(sd, x, fromHeads(sd, y, heads, hd), p, seqLen, d);
        }
        SDVariable mask = cell.isSliding()
                ? ctx.constant("mask.swa" + w + ".T" + seqLen, () -> AttentionMask.build(seqLen, seqLen, AttentionMask.slidingWindow(w)))
                : AttentionMask.causal(ctx);
        SDVariable y = SoftmaxAttention.apply(sd, qh, kh, vh, mask, hd);                                   // [B, H, T, d]
        return residualOut(sd, x, fromHeads(sd, y, heads, hd), p, seqLen, d);
    }

    @Override
    public List<String> tapNames() {
        return List.of(AttentionLayout.TAP_K, AttentionLayout.TAP_V);
    }

    @Override
    public DecodeCache newCache(Map<String, INDArray> params, int batch, int capacity, DataType stateType) {
        return new AttentionCache(dims, cell, layout, params, batch, capacity, stateType);
    }

    /** Every earlier token and itself; with a window, at most W of them plus itself (spec §2.2, §2.3). */
    @Override
    public long keysAttended(long t) {
        return cell.isSliding() ? Math.min(t, cell.window()) + 1 : t + 1;
    }

    /** A dense {@code [T, T]} score matrix, or for a short window a {@code 2S}-key band per block of S queries. */
    @Override
    public double keysComputed(int seqLen) {
        int block = cell.isSliding() ? BandedAttention.blockSize(seqLen, cell.window()) : -1;
        return block > 0 ? 2 * block : seqLen;
    }

    @Override
    public int scanLength(int seqLen) {
        return 0;
    }
}
