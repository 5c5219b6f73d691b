package org.rat4j.rat;

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
import org.rat4j.compat.Dl4jM21;
import org.rat4j.config.ConfigException;
import org.rat4j.ops.ChunkedRecurrence;
import org.rat4j.ops.GraphContext;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.rat4j.block.InProjection.*;
import static org.rat4j.block.MixerParams.*;

/**
 * The RAT layer (spec §1): a gated linear recurrence inside chunks of length L, then softmax attention over the
 * previous chunks' summaries plus the token's own running state.
 *
 * <pre>
 *   [z̃, v, g̃, q_G, k_G] = RMSNorm(x)·W_inᵀ          rows: D, D, D, G·d, G·d   ({@link RatLayout})
 *   f = σ(g̃ + b_f);  q, k = q_G, k_G tiled to D      (head h uses group h mod G)
 *   k̃, ṽ = chunked scan of (f, k), (f, v)            restarts at every chunk
 *   y = InterChunkAttention(q, k̃, ṽ)                  InterRoPE by chunk index
 *   out = x + W_out·(σ(z̃) ⊙ y)
 * </pre>
 */
public final class RatBlock implements MixerBlock {
    private final BlockDims dims;
    private final RatConfig cell;
    private final RatLayout layout;
    private final long chunkOffset;

    public RatBlock(BlockDims dims, RatConfig cell) {
        this(dims, cell, 0);
    }

    /** With every InterRoPE chunk index shifted by {@code chunkOffset} (used to test invariant I8). */
    public RatBlock(BlockDims dims, RatConfig cell, long chunkOffset) {
        this.dims = dims;
        this.cell = cell;
        this.chunkOffset = chunkOffset;
        cell.validate(dims.numHeads(), 1);
        this.layout = RatLayout.of(dims.dModel(), cell.ngroups() * dims.headDim());
    }

    public RatConfig cell() {
        return cell;
    }

    public RatLayout layout() {
        return layout;
    }

    @Override
    public LinkedHashMap<String, long[]> parameterShapes() {
        return MixerParams.shapes(dims, layout.rows(), true);
    }

    @Override
    public void initialize(Map<String, INDArray> p, Initializer init) {
        MixerParams.initializeProjections(p, init, dims);
        MixerParams.initializeGateBias(p, init, cell.chunkSize());
    }

    @Override
    public void checkSequenceLength(int seqLen) {
        if (seqLen % cell.chunkSize() != 0) {
            throw new ConfigException("sequence length T=" + seqLen + " is not a multiple of the RAT chunk size L="
                    + cell.chunkSize() + "; pad the input to a multiple of " + cell.chunkSize()
                    + " tokens or choose a chunk_size that divides T");
        }
    }

    @Override
    public SDVariable define(GraphContext ctx, SDVariable x, Map<String, SDVariable> p, String tapPrefix) {
        SameDiff sd = ctx.sd();
        int seqLen = ctx.seqLen();
        checkSequenceLength(seqLen);
        int d = dims.dModel();
        int heads = dims.numHeads();
        int hd = dims.headDim();
        int chunk = cell.chunkSize();
        int copies = heads / cell.ngroups();

        SDVariable u = InProjection.apply(sd, x, p, dims);                                     // [B·T, 3D + 2G·d]
        SDVariable z = sd.nn.sigmoid(columns(u, layout.z()));                                   // [B·T, D]
        SDVariable v = columns(u, layout.v());
        SDVariable f = sd.nn.sigmoid(columns(u, layout.gate()).add(p.get(GATE_BIAS)));
        SDVariable q = Dl4jM21.repeatColumns(sd, columns(u, layout.q()), copies);              // [B·T, D]
        SDVariable k = Dl4jM21.repeatColumns(sd, columns(u, layout.k()), copies);

        // One scan over [v, k] with the gate [f, f]: shape [B·C, L, 2D].
        SDVariable gates = sd.reshape(sd.concat(1, f, f), -1, chunk, 2L * d);
        SDVariable inputs = sd.reshape(sd.concat(1, v, k), -1, chunk, 2L * d);
        SDVariable states = sd.reshape(ChunkedRecurrence.scan(sd, gates, inputs, chunk), -1, 2L * d);   // [B·T, 2D]
        SDVariable vTilde = columns(states, 0, d);
        SDVariable kTilde = columns(states, d, d);
        ctx.tap(tapPrefix + RatLayout.TAP_K, kTilde, d);
        ctx.tap(tapPrefix + RatLayout.TAP_V, vTilde, d);

        SDVariable y = InterChunkAttention.apply(ctx,
                toHeads(sd, q, seqLen, heads, hd), toHeads(sd, kTilde, seqLen, heads, hd),
                toHeads(sd, vTilde, seqLen, heads, hd), heads, hd, chunk, cell.rope(), cell.ropeBase(), chunkOffset);   // [B, H, T, d]
        return residualOut(sd, x, z.mul(fromHeads(sd, y, heads, hd)), p, seqLen, d);
    }

    @Override
    public List<String> tapNames() {
        return List.of(RatLayout.TAP_K, RatLayout.TAP_V);
    }

    @Override
    public DecodeCache newCache(Map<String, INDArray> params, int batch, int capacity, DataType stateType) {
        return new RatCache(dims, cell, layout, params, batch, capacity, stateType);
    }

    /** The summaries of the previous chunks plus its own running state (spec §1.4). */
    @Override
    public long keysAttended(long t) {
        return t / cell.chunkSize() + 1;
    }

    /** The graph scores {@code [T, C+1]} per head. */
    @Override
    public double keysComputed(int seqLen) {
        return seqLen / cell.chunkSize() + 1;
    }

    @Override
    public int scanLength(int seqLen) {
        return cell.chunkSize();
    }
}
