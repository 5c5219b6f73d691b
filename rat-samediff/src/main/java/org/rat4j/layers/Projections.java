package org.rat4j.layers;

import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.rat4j.ops.Linear;
import org.rat4j.ops.RmsNorm;

import java.util.Map;

/**
 * The shared front and back of every mixer: {@code U = RMSNorm(x)·W_inᵀ} split into named row blocks, and
 * {@code out = x + W_out·y}. Parameter names follow the reference state dict.
 */
final class Projections {
    static final String NORM = "input_norm.weight";
    static final String IN_PROJ = "in_proj.weight";
    static final String OUT_PROJ = "out_proj.weight";
    static final String GATE_BIAS = "gate_bias";

    private Projections() {
    }

    /**
     * @param x {@code [B, T, D]}
     * @return {@code [B·T, rows]} where rows is the first dimension of {@code in_proj.weight}
     */
    static SDVariable inProjection(SameDiff sd, SDVariable x, Map<String, SDVariable> p, BlockDims dims) {
        long d = dims.dModel();
        SDVariable xn = RmsNorm.apply(sd, x, p.get(NORM), dims.normEps());                    // [B, T, D]
        return Linear.apply(sd, sd.reshape(xn, -1, d), p.get(IN_PROJ));            // [B·T, rows]
    }

    /** Columns {@code [from, from + width)} of a {@code [N, rows]} projection. */
    static SDVariable columns(SDVariable u, long from, long width) {
        return u.get(SDIndex.all(), SDIndex.interval(from, from + width));
    }

    /** {@code x + reshape(y·W_outᵀ)} with y {@code [B·T, D]} and x {@code [B, T, D]}. */
    static SDVariable residualOut(SameDiff sd, SDVariable x, SDVariable y, Map<String, SDVariable> p, int seqLen, int dModel) {
        return x.add(sd.reshape(Linear.apply(sd, y, p.get(OUT_PROJ)), -1, seqLen, dModel));
    }

    /** {@code [B·T, H·d]} to heads {@code [B, H, T, d]}. */
    static SDVariable toHeads(SameDiff sd, SDVariable x, int seqLen, int heads, int headDim) {
        return sd.permute(sd.reshape(x, -1, seqLen, heads, headDim), 0, 2, 1, 3);
    }

    /** Heads {@code [B, H, T, d]} back to {@code [B·T, H·d]}. */
    static SDVariable fromHeads(SameDiff sd, SDVariable y, int heads, int headDim) {
        return sd.reshape(sd.permute(y, 0, 2, 1, 3), -1, (long) heads * headDim);
    }
}
