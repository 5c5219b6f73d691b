package org.rat4j.rnn;

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
import org.rat4j.ops.ChunkedRecurrence;
import org.rat4j.ops.GraphContext;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.rat4j.block.InProjection.columns;
import static org.rat4j.block.InProjection.residualOut;
import static org.rat4j.block.MixerParams.*;

/**
 * The RNN baseline (spec §2.1): {@code [z̃, v, g̃] = RMSNorm(x)·W_inᵀ}, {@code f = σ(g̃ + b_f)},
 * {@code h_t = f_t⊙h_{t−1} + (1−f_t)⊙v_t} over the whole sequence, {@code out = x + W_out(σ(z̃)⊙h)}.
 * The gate bias uses the "chrono" init {@code log U(1, T−1)} with T the training context length.
 */
public final class RnnBlock implements MixerBlock {
    private final BlockDims dims;
    private final int chronoHorizon;
    private final RnnLayout layout;

    /**
     * @param chronoHorizon the T of the chrono init, {@code model.seq_len}
     */
    public RnnBlock(BlockDims dims, int chronoHorizon) {
        this.dims = dims;
        this.chronoHorizon = chronoHorizon;
        this.layout = RnnLayout.of(dims.dModel());
    }

    @Override
    public LinkedHashMap<String, long[]> parameterShapes() {
        return MixerParams.shapes(dims, layout.rows(), true);
    }

    @Override
    public void initialize(Map<String, INDArray> p, Initializer init) {
        MixerParams.initializeProjections(p, init, dims);
        MixerParams.initializeGateBias(p, init, chronoHorizon);
    }

    @Override
    public SDVariable define(GraphContext ctx, SDVariable x, Map<String, SDVariable> p, String tapPrefix) {
        SameDiff sd = ctx.sd();
        int seqLen = ctx.seqLen();
        int d = dims.dModel();
        SDVariable u = InProjection.apply(sd, x, p, dims);                                     // [B·T, 3D]
        SDVariable z = sd.nn.sigmoid(columns(u, layout.z()));
        SDVariable v = columns(u, layout.v());
        SDVariable f = sd.nn.sigmoid(columns(u, layout.gate()).add(p.get(GATE_BIAS)));
        SDVariable h = ChunkedRecurrence.scan(sd, sd.reshape(f, -1, seqLen, d), sd.reshape(v, -1, seqLen, d), seqLen); // [B, T, D]
        ctx.tap(tapPrefix + RnnLayout.TAP_H, h, d);
        return residualOut(sd, x, z.mul(sd.reshape(h, -1, d)), p, seqLen, d);
    }

    @Override
    public List<String> tapNames() {
        return List.of(RnnLayout.TAP_H);
    }

    @Override
    public DecodeCache newCache(Map<String, INDArray> params, int batch, int capacity, DataType stateType) {
        return new RnnCache(dims, layout, params, batch, stateType);
    }

    /** A pure recurrence attends nothing. */
    @Override
    public long keysAttended(long t) {
        return 0;
    }

    @Override
    public double keysComputed(int seqLen) {
        return 0;
    }

    @Override
    public int scanLength(int seqLen) {
        return seqLen;
    }
}
