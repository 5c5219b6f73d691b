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
    private final BlockDims dims;
    private final MixerConfig cell;
    private final int window;
    private final INDArray norm;
    private final INDArray inProj;
    private final INDArray outProj;
    private final KeyValueSlots slots;

    /**
     * @param window W for sliding-window attention, or -1 for full attention
     */
    public AttentionCache(BlockDims dims, MixerConfig cell, int window, Map<String, INDArray> p, int batch, int capacity) {
        this.dims = dims;
        this.cell = cell;
        this.window = window;
        this.norm = p.get("input_norm.weight");
        this.inProj = p.get("in_proj.weight");
        this.outProj = p.get("out_proj.weight");
        int slotCount = window < 0 ? capacity : Math.min(capacity, window + 1);
        this.slots = new KeyValueSlots(batch, dims.numHeads(), slotCount, dims.headDim(), inProj.dataType());
    }

    private int slotOf(int position) {
        return window < 0 ? position : position % (window + 1);
    }

    @Override
    public INDArray step(INDArray x, int[] positions) {
        int d = dims.dModel();
        INDArray u = linear(rmsNorm(x, norm, dims.normEps()), inProj);                   // [B, 3D]
        long[] pos = toLong(positions);
        INDArray v = heads(columns(u, 0, d), dims.numHeads(), dims.headDim());           // [B, H, d]
        INDArray q = rope(heads(columns(u, d, d), dims.numHeads(), dims.headDim()), pos, cell.ropeBase());
        INDArray k = rope(heads(columns(u, 2L * d, d), dims.numHeads(), dims.headDim()), pos, cell.ropeBase());
        for (int b = 0; b < positions.length; b++) {
            checkCapacity(positions[b]);
            slots.write(b, slotOf(positions[b]), k.get(NDArrayIndex.point(b)), v.get(NDArrayIndex.point(b)));
        }
        INDArray y = rows(slots.attend(q));                                             // [B, D]
        return x.add(linear(y, outProj));
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
