package org.rat4j.decode;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.rat4j.config.MixerConfig;
import org.rat4j.layers.AttentionLayer;
import org.rat4j.layers.BlockDims;

import java.util.Map;

import static org.rat4j.decode.StepMath.*;

/**
 * Decode state of attention (all keys and values, post-RoPE, {@code 2·T_max·D} per sequence) and of sliding-window
 * attention (a ring of W+1 slots, token t in slot {@code t mod (W+1)}: the W previous tokens plus the current one).
 */
public final class AttentionCache implements DecodeCache {
    /** From this many sequences a step's per-sequence work (RoPE, cache write) runs in parallel. */
    private static final int PARALLEL_BATCH = 8;

    private final BlockDims dims;
    private final MixerConfig cell;
    private final int window;
    private final double[] norm;
    private final Projection inProj;
    private final Projection outProj;
    private final KeyValueSlots slots;

    /**
     * @param window W for sliding-window attention, or -1 for full attention
     */
    public AttentionCache(BlockDims dims, MixerConfig cell, int window, Map<String, INDArray> p, int batch, int capacity) {
        this.dims = dims;
        this.cell = cell;
        this.window = window;
        this.norm = numbers(p.get("input_norm.weight"));
        this.inProj = new Projection(p.get("in_proj.weight"), batch);
        this.outProj = new Projection(p.get("out_proj.weight"), batch);
        int slotCount = window < 0 ? capacity : Math.min(capacity, window + 1);
        this.slots = new KeyValueSlots(batch, dims.numHeads(), slotCount, dims.headDim(), p.get("in_proj.weight").dataType());
    }

    private int slotOf(int position) {
        return window < 0 ? position : position % (window + 1);
    }

    @Override
    public INDArray step(INDArray x, int[] positions) {
        int batch = positions.length;
        int d = dims.dModel();
        for (int position : positions) checkCapacity(position);
        double[] xs = numbers(x);                                                       // [B, D]
        double[] u = inProj.apply(rmsNorm(xs, norm, dims.normEps()));                  // [B, 3D]: v, q, k
        double[] v = columns(u, batch, 0, d);                                           // [B, D] = [B, H, d]
        double[] q = columns(u, batch, d, d);
        double[] k = columns(u, batch, 2 * d, d);
        sequences(batch, PARALLEL_BATCH).forEach(b -> {
            double[][] table = ropeTable(positions[b], dims.headDim(), cell.ropeBase());
            rope(q, b, dims.numHeads(), dims.headDim(), table);
            rope(k, b, dims.numHeads(), dims.headDim(), table);
            slots.write(b, slotOf(positions[b]), k, v, b * d);
        });
        return residual(xs, outProj.apply(slots.attend(q)), x);
    }

    private void checkCapacity(int position) {
        if (window < 0 && position >= slots.slots()) {
            throw new IllegalStateException("position " + position + " is beyond the cache capacity " + slots.slots()
                    + "; create the cache with a larger capacity (prompt length + max new tokens)");
        }
    }

    @Override
    public void prefill(Map<String, INDArray> taps, int[] lengths) {
        INDArray keys = taps.get(AttentionLayer.TAP_K);                                  // [B, T, D] before RoPE
        INDArray values = taps.get(AttentionLayer.TAP_V);
        for (int b = 0; b < lengths.length; b++) {
            int n = lengths[b];
            checkCapacity(n - 1);
            int first = window < 0 ? 0 : Math.max(0, n - window - 1);
            // Tokens first .. n-1 (with a window: the last W+1, the next step overwrites the oldest).
            long[] pos = new long[n - first];
            for (int i = 0; i < pos.length; i++) pos[i] = first + i;
            INDArray k = heads(keys.get(NDArrayIndex.point(b), NDArrayIndex.interval(first, n), NDArrayIndex.all()),
                    dims.numHeads(), dims.headDim());                                    // [n', H, d]
            INDArray v = heads(values.get(NDArrayIndex.point(b), NDArrayIndex.interval(first, n), NDArrayIndex.all()),
                    dims.numHeads(), dims.headDim());
            k = rope(k, pos, cell.ropeBase());
            if (window < 0) {
                slots.writeRange(b, 0, k, v);
            } else {
                for (int i = 0; i < pos.length; i++) {
                    slots.write(b, slotOf((int) pos[i]), k.get(NDArrayIndex.point(i)), v.get(NDArrayIndex.point(i)));
                }
            }
        }
    }

    @Override
    public long stateElementsPerSequence() {
        return slots.elementsPerSequence();
    }
}
