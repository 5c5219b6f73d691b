package org.rat4j.layers;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.config.ConfigException;
import org.rat4j.config.MixerConfig;
import org.rat4j.decode.DecodeCache;
import org.rat4j.decode.RatCache;
import org.rat4j.ops.ChunkedRecurrence;
import org.rat4j.ops.GraphContext;
import org.rat4j.ops.InterChunkAttention;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.rat4j.layers.Projections.*;

/**
 * The RAT layer (spec §1): a gated linear recurrence inside chunks of length L, then softmax attention over the
 * previous chunks' summaries plus the token's own running state.
 *
 * <pre>
 *   [z̃, v, g̃, q_G, k_G] = RMSNorm(x)·W_inᵀ          rows: D, D, D, G·d, G·d
 *   f = σ(g̃ + b_f);  q, k = q_G, k_G tiled to D      (head h uses group h mod G)
 *   k̃, ṽ = chunked scan of (f, k), (f, v)            restarts at every chunk
 *   y = InterChunkAttention(q, k̃, ṽ)                  InterRoPE by chunk index
 *   out = x + W_out·(σ(z̃) ⊙ y)
 * </pre>
 */
public final class RatLayer implements SequenceBlock {
    /** Tap names: recurrent keys and values {@code [B, T, D]} before rotation. */
    public static final String TAP_K = "k_tilde";
    public static final String TAP_V = "v_tilde";

    private final BlockDims dims;
    private final MixerConfig cell;
    private final long chunkOffset;

    public RatLayer(BlockDims dims, MixerConfig cell) {
        this(dims, cell, 0);
    }

    /** With every InterRoPE chunk index shifted by {@code chunkOffset} (used to test invariant I8). */
    public RatLayer(BlockDims dims, MixerConfig cell, long chunkOffset) {
        this.dims = dims;
        this.cell = cell;
        this.chunkOffset = chunkOffset;
        if (dims.numHeads() % cell.ngroups() != 0) {
            throw new ConfigException("RAT ngroups (" + cell.ngroups() + ") must divide num_heads (" + dims.numHeads() + ")");
        }
    }

    public MixerConfig cell() {
        return cell;
    }

    /** Width of the shared query (and key) projection, G·d. */
    public int groupWidth() {
        return cell.ngroups() * dims.headDim();
    }

    @Override
    public LinkedHashMap<String, long[]> parameterShapes() {
        long d = dims.dModel();
        LinkedHashMap<String, long[]> m = new LinkedHashMap<>();
        m.put(NORM, new long[]{d});
        m.put(IN_PROJ, new long[]{3 * d + 2L * groupWidth(), d});
        m.put(GATE_BIAS, new long[]{d});
        m.put(OUT_PROJ, new long[]{d, d});
        return m;
    }

    @Override
    public void initialize(Map<String, INDArray> p, Initializer init) {
        p.get(NORM).assign(1.0);
        init.normal(IN_PROJ, p.get(IN_PROJ), dims.initStd());
        init.normal(OUT_PROJ, p.get(OUT_PROJ), dims.initStd());
        // log U(1, L-1) (spec §1.1); the reference leaves L <= 2 uninitialised, we use 0 (σ = 0.5).
        if (cell.chunkSize() > 2) {
            init.logUniform(GATE_BIAS, p.get(GATE_BIAS), cell.chunkSize() - 1);
        } else {
            p.get(GATE_BIAS).assign(0.0);
        }
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
        int gw = groupWidth();
        int chunk = cell.chunkSize();
        int copies = heads / cell.ngroups();

        SDVariable u = inProjection(sd, x, p, dims);                          // [B·T, 3D + 2G·d]
        SDVariable z = sd.nn.sigmoid(columns(u, 0, d));                                 // [B·T, D]
        SDVariable v = columns(u, d, d);
        SDVariable f = sd.nn.sigmoid(columns(u, 2L * d, d).add(p.get(GATE_BIAS)));
        SDVariable q = repeatGroups(sd, columns(u, 3L * d, gw), copies);                // [B·T, D]
        SDVariable k = repeatGroups(sd, columns(u, 3L * d + gw, gw), copies);

        // One scan over [v, k] with the gate [f, f]: shape [B·C, L, 2D].
        SDVariable gates = sd.reshape(sd.concat(1, f, f), -1, chunk, 2L * d);
        SDVariable inputs = sd.reshape(sd.concat(1, v, k), -1, chunk, 2L * d);
        SDVariable states = sd.reshape(ChunkedRecurrence.scan(sd, gates, inputs, chunk), -1, 2L * d);   // [B·T, 2D]
        SDVariable vTilde = columns(states, 0, d);
        SDVariable kTilde = columns(states, d, d);
        ctx.tap(tapPrefix + TAP_K, kTilde, d);
        ctx.tap(tapPrefix + TAP_V, vTilde, d);

        SDVariable y = InterChunkAttention.apply(ctx,
                toHeads(sd, q, seqLen, heads, hd), toHeads(sd, kTilde, seqLen, heads, hd),
                toHeads(sd, vTilde, seqLen, heads, hd), heads, hd, chunk, cell.ropeBase(), chunkOffset);   // [B, H, T, d]
        return residualOut(sd, x, z.mul(fromHeads(sd, y, heads, hd)), p, seqLen, d);
    }

    /** {@code [q_G, q_G, ...]} along features; a concat, since M2.1's tile backward is slow. */
    private static SDVariable repeatGroups(SameDiff sd, SDVariable x, int copies) {
        if (copies == 1) return x;
        SDVariable[] parts = new SDVariable[copies];
        java.util.Arrays.fill(parts, x);
        return sd.concat(1, parts);
    }

    @Override
    public List<String> tapNames() {
        return List.of(TAP_K, TAP_V);
    }

    @Override
    public DecodeCache newCache(Map<String, INDArray> params, int batch, int capacity) {
        return new RatCache(dims, cell, params, batch, capacity);
    }
}
