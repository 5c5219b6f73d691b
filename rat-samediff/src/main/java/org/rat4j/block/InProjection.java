package org.rat4j.block;

import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.rat4j.ops.GraphContext;
import org.rat4j.ops.Linear;
import org.rat4j.ops.RmsNorm;
import org.rat4j.ops.RotaryEmbedding;

import java.util.Map;

import static org.rat4j.block.MixerParams.*;

/**
 * The graph form of what every mixer shares: its front {@code U = RMSNorm(x)·W_inᵀ}, split into the segments of its
 * layout, and its back {@code out = x + W_out·y}; plus the moves between token rows and heads.
 */
public final class InProjection {
    private InProjection() {
    }

    /**
     * @param x {@code [B, T, D]}
     * @return {@code [B·T, rows]} where rows is the first dimension of {@code in_proj.weight}
     */
    public static SDVariable apply(SameDiff sd, SDVariable x, Map<String, SDVariable> p, BlockDims dims) {
        long d = dims.dModel();
        SDVariable xn = RmsNorm.apply(sd, x, p.get(NORM), dims.normEps());                    // [B, T, D]
        return Linear.apply(sd, sd.reshape(xn, -1, d), p.get(IN_PROJ));                       // [B·T, rows]
    }

    /** The columns of one segment of a {@code [N, rows]} projection. */
    public static SDVariable columns(SDVariable u, Segment s) {
        return columns(u, s.offset(), s.width());
    }

    /** Columns {@code [from, from + width)} of a {@code [N, cols]} matrix. */
    public static SDVariable columns(SDVariable u, long from, long width) {
        return u.get(SDIndex.all(), SDIndex.interval(from, from + width));
    }

    /** {@code x + reshape(y·W_outᵀ)} with y {@code [B·T, D]} and x {@code [B, T, D]}. */
    public static SDVariable residualOut(SameDiff sd, SDVariable x, SDVariable y, Map<String, SDVariable> p, int seqLen, int dModel) {
        return x.add(sd.reshape(Linear.apply(sd, y, p.get(OUT_PROJ)), -1, seqLen, dModel));
    }

    /** {@code [B·T, H·d]} to heads {@code [B, H, T, d]}. */
    public static SDVariable toHeads(SameDiff sd, SDVariable x, int seqLen, int heads, int headDim) {
        return sd.permute(sd.reshape(x, -1, seqLen, heads, headDim), 0, 2, 1, 3);
    }

    /**
     * {@code [B·T, H·d]} token rows to heads {@code [B, H, T, d]}, rotated by RoPE at their token positions unless
     * positional encoding is off ({@code rope} false: NoPE).
     */
    public static SDVariable rotatedHeads(GraphContext ctx, SDVariable x, int heads, int headDim, boolean rope, double ropeBase) {
        SDVariable h = toHeads(ctx.sd(), x, ctx.seqLen(), heads, headDim);
        if (!rope) return h;
        SDVariable[] tables = RotaryEmbedding.tokenTables(ctx, headDim, ropeBase);
        return RotaryEmbedding.apply(ctx.sd(), h, tables[0], tables[1], headDim);
    }

    /** Heads {@code [B, H, T, d]} back to {@code [B·T, H·d]}. */
    public static SDVariable fromHeads(SameDiff sd, SDVariable y, int heads, int headDim) {
        return sd.reshape(sd.permute(y, 0, 2, 1, 3), -1, (long) heads * headDim);
    }
}
