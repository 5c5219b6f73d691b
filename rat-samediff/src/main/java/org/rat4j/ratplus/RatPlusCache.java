package org.rat4j.ratplus;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.rat4j.block.BlockDims;
import org.rat4j.block.DecodeCache;
import org.rat4j.block.StepProjections;
import org.rat4j.kernels.GatedState;
import org.rat4j.kernels.KeyValueSlots;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.rat4j.kernels.Eager.headsAt;
import static org.rat4j.kernels.NdBuffers.numbers;
import static org.rat4j.kernels.NdBuffers.rowMajor;
import static org.rat4j.kernels.Rope.rope;
import static org.rat4j.kernels.Rope.rotate;
import static org.rat4j.kernels.Rows.columns;
import static org.rat4j.kernels.Rows.sigmoid;

/**
 * Decode state of RAT+ (spec §4.3), slots laid out as {@code [P sinks][W ring][⌊T_max/Dl⌋ dilated][1 current]},
 * plus the running recurrent state. Query t sees: the sinks {@code k < P}; the ring, tokens
 * {@code max(P, t−W) .. t−1}; the dilated keys {@code P <= k < t−W} with {@code (k+1) mod Dl = 0}; and itself. These
 * are exactly the keys of the single mask of spec §3.2, each once. When token t enters the ring it evicts
 * {@code t−W}, which moves to the dilated area if it is a dilated position.
 */
public final class RatPlusCache implements DecodeCache {
    private final BlockDims dims;
    private final RatPlusConfig cell;
    private final RatPlusPattern pattern;
    private final RatPlusLayout layout;
    private final StepProjections projections;
    private final GatedState state;                                                     // k̃, ṽ: [B, D] (with apply_re)
    private final KeyValueSlots slots;
    private final int[] dilatedCount;
    private final int[][] slotToken;                                                    // token held by each slot, -1 if none
    private final int dilatedStart;
    private final int current;

    RatPlusCache(BlockDims dims, RatPlusConfig cell, RatPlusPattern pattern, RatPlusLayout layout,
                 Map<String, INDArray> p, int batch, int capacity, DataType stateType) {
        this.dims = dims;
        this.cell = cell;
        this.pattern = pattern;
        this.layout = layout;
        this.projections = new StepProjections(p, dims, batch);
        this.state = new GatedState(batch, dims.dModel(), stateType == DataType.BFLOAT16);
        int dilated = pattern.dilation() == -1 ? 0 : capacity / pattern.dilation();
        this.dilatedStart = pattern.initial() + pattern.local();
        this.current = dilatedStart + dilated;
        this.slots = new KeyValueSlots(batch, dims.numHeads(), current + 1, dims.headDim(), stateType);
        this.dilatedCount = new int[batch];
        this.slotToken = new int[batch][current + 1];
        for (int[] row : slotToken) Arrays.fill(row, -1);
    }

    private boolean isDilated(int k) {
        return pattern.dilation() != -1 && (k + 1) % pattern.dilation() == 0;
    }

    private int ringSlot(int k) {
        return pattern.initial() + (k - pattern.initial()) % pattern.local();
    }

    @Override
    public INDArray step(INDArray x, int[] positions) {
        int batch = positions.length;
        int d = dims.dModel();
        double[] xs = numbers(x);                                                       // [B, D]
        double[] u = projections.in(xs);                                                // [B, 4D or 5D]: o, q, k, v (, g)
        double[] o = columns(u, batch, layout.o().offset(), d);                         // [B, D] = [B, H, d]
        double[] q = columns(u, batch, layout.q().offset(), d);
        double[] k = columns(u, batch, layout.k().offset(), d);
        double[] v = columns(u, batch, layout.v().offset(), d);
        if (cell.applyRe()) {
            for (int b = 0; b < batch; b++) {
                boolean restart = positions[b] == 0;                                     // a new sequence
                for (int j = 0, at = b * d; j < d; j++, at++) {
                    double f = sigmoid(u[b * layout.rows() + layout.gate().offset() + j]);
                    state.update(b, j, f, k[at], v[at], restart);
                }
                state.endStep(b);
            }
            k = state.keys().clone();                                                   // rotated below, the state not
            v = state.values();
        }
        if (cell.rope()) {
            for (int b = 0; b < batch; b++) rotate(q, k, b, dims.numHeads(), dims.headDim(), positions[b], cell.ropeBase());
        }
        int[] currentSlot = new int[batch];
        Arrays.fill(currentSlot, current);
        slots.writeEach(currentSlot, k, v);
        double[] y = slots.attend(q);
        for (int i = 0; i < y.length; i++) y[i] *= sigmoid(o[i]);
        for (int b = 0; b < batch; b++) store(b, positions[b], k, v, b * d);
        return projections.out(xs, y, x);
    }

    /** Keeps token t (its rotated key and value at element {@code at} of k, v) for later queries, where the pattern needs it. */
    private void store(int b, int t, double[] k, double[] v, int at) {
        if (t < pattern.initial()) {
            put(b, t, t, k, v, at);
        } else if (pattern.local() > 0) {
            int slot = ringSlot(t);
            int evicted = t - pattern.local();
            if (evicted >= pattern.initial() && isDilated(evicted)) {
                int to = dilatedSlot(b);
                slots.copy(b, slot, to);
                slotToken[b][to] = evicted;
            }
            put(b, slot, t, k, v, at);
        } else if (isDilated(t)) {
            put(b, dilatedSlot(b), t, k, v, at);
        }
    }

    private void put(int b, int slot, int token, double[] k, double[] v, int at) {
        slots.write(b, slot, k, v, at);
        slotToken[b][slot] = token;
    }

    /** The tokens kept for later queries of sequence b (all slots but the current one), in increasing order. */
    public int[] storedTokens(int b) {
        return Arrays.stream(slotToken[b], 0, current).filter(t -> t >= 0).sorted().toArray();
    }

    private int dilatedSlot(int b) {
        int slot = dilatedStart + dilatedCount[b]++;
        if (slot >= current) {
            throw new IllegalStateException("RAT+ dilated cache is full; create the cache with a larger capacity");
        }
        return slot;
    }

    @Override
    public void prefill(Map<String, INDArray> taps, int[] lengths) {
        INDArray keys = rowMajor(taps.get(RatPlusLayout.TAP_K));                          // [B, T, D], before rotation
        INDArray values = rowMajor(taps.get(RatPlusLayout.TAP_V));
        int sinks = pattern.initial();
        int window = pattern.local();
        for (int b = 0; b < lengths.length; b++) {
            int n = lengths[b];
            state.load(keys, values, b, n - 1);

            List<Integer> sinkTokens = new ArrayList<>();
            for (int t = 0; t < Math.min(sinks, n); t++) sinkTokens.add(t);
            List<Integer> ringTokens = new ArrayList<>();
            if (window > 0) for (int t = Math.max(sinks, n - window); t < n; t++) ringTokens.add(t);
            List<Integer> dilatedTokens = new ArrayList<>();
            for (int t = sinks; t < n - window; t++) if (isDilated(t)) dilatedTokens.add(t);

            writeTokens(b, keys, values, sinkTokens, 0, false);
            writeTokens(b, keys, values, ringTokens, 0, true);
            writeTokens(b, keys, values, dilatedTokens, dilatedStart, false);
            dilatedCount[b] = dilatedTokens.size();
            for (int t : sinkTokens) slotToken[b][t] = t;
            for (int t : ringTokens) slotToken[b][ringSlot(t)] = t;
            for (int i = 0; i < dilatedTokens.size(); i++) slotToken[b][dilatedStart + i] = dilatedTokens.get(i);
        }
    }

    /** Tokens {@code tokens} of sequence b from the taps {@code [B, T, D]} into slots from {@code start}, or into the ring. */
    private void writeTokens(int b, INDArray keys, INDArray values, List<Integer> tokens, int start, boolean ring) {
        if (tokens.isEmpty()) return;
        int[] idx = tokens.stream().mapToInt(Integer::intValue).toArray();
        long[] pos = tokens.stream().mapToLong(Integer::longValue).toArray();
        INDArray k = headsAt(keys, b, idx, dims.numHeads(), dims.headDim());              // [tokens, H, d]
        if (cell.rope()) k = rope(k, pos, cell.ropeBase());
        INDArray v = headsAt(values, b, idx, dims.numHeads(), dims.headDim());
        if (!ring) {
            if (start + idx.length > current) {
                throw new IllegalStateException("RAT+ cache too small for a prompt of this length; raise the capacity");
            }
            slots.writeRange(b, start, k, v);
            return;
        }
        for (int i = 0; i < idx.length; i++) {
            slots.write(b, ringSlot(idx[i]), k.get(NDArrayIndex.point(i)), v.get(NDArrayIndex.point(i)));
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
