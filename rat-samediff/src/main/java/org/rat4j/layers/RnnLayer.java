package org.rat4j.layers;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.decode.DecodeCache;
import org.rat4j.decode.RnnCache;
import org.rat4j.ops.ChunkedRecurrence;
import org.rat4j.ops.GraphContext;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.rat4j.layers.Projections.*;

/**
 * The RNN baseline (spec §2.1): {@code [z̃, v, g̃] = RMSNorm(x)·W_inᵀ}, {@code f = σ(g̃ + b_f)},
 * {@code h_t = f_t⊙h_{t−1} + (1−f_t)⊙v_t} over the whole sequence, {@code out = x + W_out(σ(z̃)⊙h)}.
 * The gate bias uses the "chrono" init {@code log U(1, T−1)} with T the training context length.
 */
public final class RnnLayer implements SequenceBlock {
    /** Tap name: the hidden states {@code [B, T, D]}. */
    public static final String TAP_H = "h";

    private final BlockDims dims;
    private final int chronoHorizon;

    /**
     * @param chronoHorizon the T of the chrono init, {@code model.seq_len}
     */
    public RnnLayer(BlockDims dims, int chronoHorizon) {
        this.dims = dims;
        this.chronoHorizon = chronoHorizon;
    }

    @Override
    public LinkedHashMap<String, long[]> parameterShapes() {
        long d = dims.dModel();
        LinkedHashMap<String, long[]> m = new LinkedHashMap<>();
        m.put(NORM, new long[]{d});
        m.put(IN_PROJ, new long[]{3 * d, d});
        m.put(GATE_BIAS, new long[]{d});
        m.put(OUT_PROJ, new long[]{d, d});
        return m;
    }

    @Override
    public void initialize(Map<String, INDArray> p, Initializer init) {
        p.get(NORM).assign(1.0);
        init.normal(IN_PROJ, p.get(IN_PROJ), dims.initStd());
        init.normal(OUT_PROJ, p.get(OUT_PROJ), dims.initStd());
        if (chronoHorizon > 2) {
            init.logUniform(GATE_BIAS, p.get(GATE_BIAS), chronoHorizon - 1);
        } else {
            p.get(GATE_BIAS).assign(0.0);
        }
    }

    @Override
    public SDVariable define(GraphContext ctx, SDVariable x, Map<String, SDVariable> p, String tapPrefix) {
        SameDiff sd = ctx.sd();
        int seqLen = ctx.seqLen();
        int d = dims.dModel();
        SDVariable u = inProjection(sd, x, p, dims);                              // [B·T, 3D]
        SDVariable z = sd.nn.sigmoid(columns(u, 0, d));
        SDVariable v = columns(u, d, d);
        SDVariable f = sd.nn.sigmoid(columns(u, 2L * d, d).add(p.get(GATE_BIAS)));
        SDVariable h = ChunkedRecurrence.scan(sd, sd.reshape(f, -1, seqLen, d), sd.reshape(v, -1, seqLen, d), seqLen); // [B, T, D]
        ctx.tap(tapPrefix + TAP_H, h, d);
        return residualOut(sd, x, z.mul(sd.reshape(h, -1, d)), p, seqLen, d);
    }

    @Override
    public List<String> tapNames() {
        return List.of(TAP_H);
    }

    @Override
    public DecodeCache newCache(Map<String, INDArray> params, int batch, int capacity) {
        return new RnnCache(dims, params, batch);
    }
}
