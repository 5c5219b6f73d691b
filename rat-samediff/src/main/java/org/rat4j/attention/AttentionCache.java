package org.rat4j.attention;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.block.BlockDims;
import org.rat4j.block.DecodeCache;
import org.rat4j.block.StepProjections;
import org.rat4j.kernels.KeyValueSlots;

import java.util.Map;
import java.util.stream.IntStream;

import static org.rat4j.kernels.NdBuffers.numbers;
import static org.rat4j.kernels.NdBuffers.readStorage;
import static org.rat4j.kernels.NdBuffers.rowMajor;
import static org.rat4j.kernels.Rope.rope;
import static org.rat4j.kernels.Rope.rotate;
import static org.rat4j.kernels.Rope.ropeTable;
import static org.rat4j.kernels.Rows.columns;
import static org.rat4j.kernels.Rows.sequences;

/**
 * Decode state of attention (all keys and values, post-RoPE, {@code 2·T_max·D} per sequence) and of sliding-window
 * attention (a ring of W+1 slots, token t in slot {@code t mod (W+1)}: the W previous tokens plus the current one).
 */
final class AttentionCache implements DecodeCache {
    /** From this many sequences a step's per-sequence work (RoPE, cache write) runs in parallel. */
    private static final int PARALLEL_BATCH = 8;
    /** Tokens a prefill converts at a time. */
    private static final int PREFILL_BLOCK = 32;

    private final BlockDims dims;
    private final AttentionConfig cell;
    private final AttentionLayout layout;
    private final int window;
    private final StepProjections projections;
    private final KeyValueSlots slots;

    AttentionCache(BlockDims dims, AttentionConfig cell, AttentionLayout layout, Map<String, INDArray> p, int batch,
                   int capacity, DataType stateType) {
        this.dims = dims;
        this.cell = cell;
        this.layout = layout;
        this.window = cell.window();
        this.projections = new StepProjections(p, dims, batch);
        int slotCount = cell.isSliding() ? Math.min(capacity, window + 1) : capacity;
        this.slots = new KeyValueSlots(batch, dims.numHeads(), slotCount, dims.headDim(), stateType);
    }

    private int slotOf(int position) {
        return cell.isSliding() ? position % (window + 1) : position;
    }

    @Override
    public INDArray step(INDArray x, int[] positions) {
        int batch = positions.length;
        int d = dims.dModel();
        for (int position : positions) checkCapacity(position);
        double[] xs = numbers(x);                                                       // [B, D]
        double[] u = projections.in(xs);                                                // [B, 3D]: v, q, k
        double[] v = columns(u, batch, layout.v().offset(), d);                         // [B, D] = [B, H, d]
        double[] q = columns(u, batch, layout.q().offset(), d);
        double[] k = columns(u, batch, layout.k().offset(), d);
        sequences(batch, PARALLEL_BATCH).forEach(b -> {
            if (cell.rope()) rotate(q, k, b, dims.numHeads(), dims.headDim(), positions[b], cell.ropeBase());
            slots.write(b, slotOf(positions[b]), k, v, b * d);
        });
        return projections.out(xs, slots.attend(q), x);
    }

    private void checkCapacity(int position) {
        if (!cell.isSliding() && position >= slots.slots()) {
            throw new IllegalStateException("position " + position + " is beyond the cache capacity " + slots.slots()
                    + "; create the cache with a larger capacity (prompt length + max new tokens)");
        }
    }

    /**
     * Fills the slots from the prefill's taps in plain loops over their buffers: the RoPE table of each position is
     * computed once for all sequences, and sequences are filled in parallel (writes to different sequences touch
     * different rows). With ND4J views, copies and an eager RoPE per sequence this took 360–500 ms at B·T = 16384,
     * D = 1024, a quarter of the prefill.
     */
    @Override
    public void prefill(Map<String, INDArray> taps, int[] lengths) {
        INDArray keys = rowMajor(taps.get(AttentionLayout.TAP_K));                        // [B, T, D] before RoPE
        INDArray values = rowMajor(taps.get(AttentionLayout.TAP_V));
        long seqLen = keys.size(1);
        int d = dims.dModel();
        int longest = 0;
        for (int n : lengths) {
            checkCapacity(n - 1);
            longest = Math.max(longest, n);
        }
        double[][][] tables = new double[longest][][];
        if (cell.rope()) IntStream.range(0, longest).parallel().forEach(t -> tables[t] = ropeTable(t, dims.headDim(), cell.ropeBase()));
        sequences(lengths.length, 2).forEach(b -> {
            int n = lengths[b];
            // Tokens first .. n-1 (with a window: the last W+1, the next step overwrites the oldest), a block of
            // tokens at a time through two small buffers: whole-sequence copies were ~270 MB of garbage per fill.
            int first = cell.isSliding() ? Math.max(0, n - window - 1) : 0;
            double[] k = new double[PREFILL_BLOCK * d];                                  // [block, H, d]
            double[] v = new double[PREFILL_BLOCK * d];
            for (int start = first; start < n; start += PREFILL_BLOCK) {
                int count = Math.min(PREFILL_BLOCK, n - start);
                if (count < PREFILL_BLOCK) {                                                 // the last, partial block
                    k = new double[count * d];
                    v = new double[count * d];
                }
                readStorage(keys, (b * seqLen + start) * d, k);
                readStorage(values, (b * seqLen + start) * d, v);
                if (cell.rope()) for (int i = 0; i < count; i++) rope(k, i, dims.numHeads(), dims.headDim(), tables[start + i]);
                if (cell.isSliding()) {
                    for (int i = 0; i < count; i++) slots.write(b, slotOf(start + i), k, v, i * d);
                } else {
                    slots.writeRange(b, start, k, v, count);
                }
            }
        });
    }

    @Override
    public long allocatedBytes() {
        return slots.allocatedBytes();
    }

    @Override
    public long stateElementsPerSequence() {
        return slots.elementsPerSequence();
    }
}
