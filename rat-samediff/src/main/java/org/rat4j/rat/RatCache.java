package org.rat4j.rat;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.block.BlockDims;
import org.rat4j.block.DecodeCache;
import org.rat4j.block.StepProjections;
import org.rat4j.kernels.GatedState;
import org.rat4j.kernels.KeyValueSlots;

import java.util.Map;

import static org.rat4j.block.MixerParams.GATE_BIAS;
import static org.rat4j.block.MixerParams.IN_PROJ;
import static org.rat4j.kernels.Eager.headsAt;
import static org.rat4j.kernels.NdBuffers.numbers;
import static org.rat4j.kernels.NdBuffers.rowMajor;
import static org.rat4j.kernels.Rope.rope;
import static org.rat4j.kernels.Rope.rotate;
import static org.rat4j.kernels.Rows.sequences;
import static org.rat4j.kernels.Rows.sigmoid;

/**
 * Decode state of RAT (spec §4.2): one slot per chunk holding its rotated summary {@code (K̄_c, V̄_c)}, plus the
 * running recurrent state {@code (k̃, ṽ)}. The slot of the current chunk is overwritten on every step of the chunk
 * with the running state, so after the chunk's last token it holds exactly the parallel summary, and the current
 * token's "self" key is that same slot. {@code 2·⌈T_max/L⌉·D + 2D} numbers per sequence.
 *
 * <p>A step is two ND4J GEMMs (input and output projections) around plain loops over float64 rows: at one token
 * per sequence the gates, the recurrence, RoPE and the attention over chunk summaries are a few thousand numbers per
 * sequence, where the dispatch of ~40 eager ND4J ops cost more than the arithmetic.
 */
final class RatCache implements DecodeCache {
    /** From this many sequences a step's per-sequence work (gates, recurrence, RoPE, cache write) runs in parallel. */
    private static final int PARALLEL_BATCH = 8;

    private final BlockDims dims;
    private final RatConfig cell;
    private final RatLayout layout;
    private final StepProjections projections;
    private final double[] gateBias;
    private final GatedState state;                                                     // k̃, ṽ: [B, D]
    private final KeyValueSlots slots;

    RatCache(BlockDims dims, RatConfig cell, RatLayout layout, Map<String, INDArray> p, int batch, int capacity,
             DataType stateType) {
        this.dims = dims;
        this.cell = cell;
        this.layout = layout;
        this.projections = new StepProjections(p, dims, batch);
        this.gateBias = numbers(p.get(GATE_BIAS));
        this.state = new GatedState(batch, dims.dModel(), stateType == DataType.BFLOAT16);
        int chunks = (capacity + cell.chunkSize() - 1) / cell.chunkSize();
        this.slots = new KeyValueSlots(batch, dims.numHeads(), chunks, dims.headDim(), stateType);
    }

    @Override
    public INDArray step(INDArray x, int[] positions) {
        int batch = positions.length;
        int d = dims.dModel();
        for (int position : positions) {
            if (position / cell.chunkSize() >= slots.slots()) {
                throw new IllegalStateException("position " + position + " is beyond the cache capacity; create"
                        + " the cache with a larger capacity (prompt length + max new tokens)");
            }
        }
        double[] xs = numbers(x);                                                       // [B, D]
        double[] u = projections.in(xs);                                                // [B, 3D + 2G·d]: z, v, f, q, k
        double[] z = new double[batch * d];                                             // [B, D] = [B, H, d]
        double[] q = new double[batch * d];
        double[] kRot = new double[batch * d];
        sequences(batch, PARALLEL_BATCH).forEach(b -> advance(b, positions[b], u, z, q, kRot));
        double[] y = slots.attend(q);                                                   // [B, D]
        for (int i = 0; i < y.length; i++) y[i] *= z[i];
        return projections.out(xs, y, x);
    }

    /** Sequence b at {@code position}: gates, the recurrent state, rotated q and k̃, and the chunk's slot. */
    private void advance(int b, int position, double[] u, double[] z, double[] q, double[] kRot) {
        int d = dims.dModel();
        int groupWidth = layout.q().width();
        int chunk = position / cell.chunkSize();
        boolean restart = position % cell.chunkSize() == 0;                             // a new chunk: state restarts
        int row = b * layout.rows();
        int at = b * d;
        for (int j = 0; j < d; j++) {
            // Head h reads q/k group h mod G (the heads of a group share them): column j of [B, D] is j mod G·d.
            int group = j % groupWidth;
            double f = sigmoid(u[row + layout.gate().offset() + j] + gateBias[j]);
            state.update(b, j, f, u[row + layout.k().offset() + group], u[row + layout.v().offset() + j], restart);
            z[at + j] = sigmoid(u[row + layout.z().offset() + j]);
            q[at + j] = u[row + layout.q().offset() + group];
        }
        state.endStep(b);
        System.arraycopy(state.keys(), at, kRot, at, d);
        if (cell.rope()) rotate(q, kRot, b, dims.numHeads(), dims.headDim(), chunk, cell.ropeBase());   // InterRoPE: chunk index
        slots.write(b, chunk, kRot, state.values(), at);
    }

    @Override
    public void prefill(Map<String, INDArray> taps, int[] lengths) {
        INDArray keys = rowMajor(taps.get(RatLayout.TAP_K));                             // [B, T, D], before rotation
        INDArray values = rowMajor(taps.get(RatLayout.TAP_V));
        int chunk = cell.chunkSize();
        for (int b = 0; b < lengths.length; b++) {
            int n = lengths[b];
            state.load(keys, values, b, n - 1);
            // Slot c holds the state at the chunk's last token, or at n-1 for the (partial) last chunk.
            int chunks = (n - 1) / chunk + 1;
            int[] rowsAt = new int[chunks];
            long[] chunkIndex = new long[chunks];
            for (int c = 0; c < chunks; c++) {
                rowsAt[c] = Math.min((c + 1) * chunk - 1, n - 1);
                chunkIndex[c] = c;
            }
            INDArray k = headsAt(keys, b, rowsAt, dims.numHeads(), dims.headDim());        // [chunks, H, d]
            if (cell.rope()) k = rope(k, chunkIndex, cell.ropeBase());
            INDArray v = headsAt(values, b, rowsAt, dims.numHeads(), dims.headDim());
            slots.writeRange(b, 0, k, v);
        }
    }

    @Override
    public long allocatedBytes() {
        return slots.allocatedBytes();
    }

    @Override
    public long stateElementsPerSequence() {
        return slots.elementsPerSequence() + 2L * dims.dModel();
    }
}
