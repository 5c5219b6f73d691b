package org.rat4j.decode;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.rat4j.config.MixerConfig;
import org.rat4j.layers.BlockDims;
import org.rat4j.layers.RatLayer;

import java.util.Map;

import static org.rat4j.decode.StepMath.*;

/**
 * Decode state of RAT (spec §4.2): one slot per chunk holding its rotated summary {@code (K̄_c, V̄_c)}, plus the
 * running recurrent state {@code (k̃, ṽ)}. The slot of the current chunk is overwritten on every step of the chunk
 * with the running state, so after the chunk's last token it holds exactly the parallel summary, and the current
 * token's "self" key is that same slot. {@code 2·⌈T_max/L⌉·D + 2D} numbers per sequence.
 */
public final class RatCache implements DecodeCache {
    private final BlockDims dims;
    private final MixerConfig cell;
    private final INDArray norm;
    private final INDArray inProj;
    private final INDArray gateBias;
    private final INDArray outProj;
    private final INDArray kState;                                                      // [B, D]
    private final INDArray vState;
    private final KeyValueSlots slots;

    public RatCache(BlockDims dims, MixerConfig cell, Map<String, INDArray> p, int batch, int capacity) {
        this.dims = dims;
        this.cell = cell;
        this.norm = p.get("input_norm.weight");
        this.inProj = p.get("in_proj.weight");
        this.gateBias = p.get("gate_bias");
        this.outProj = p.get("out_proj.weight");
        this.kState = Nd4j.zeros(inProj.dataType(), batch, dims.dModel());
        this.vState = Nd4j.zeros(inProj.dataType(), batch, dims.dModel());
        int chunks = (capacity + cell.chunkSize() - 1) / cell.chunkSize();
        this.slots = new KeyValueSlots(batch, dims.numHeads(), chunks, dims.headDim(), inProj.dataType());
    }

    @Override
    public INDArray step(INDArray x, int[] positions) {
        int d = dims.dModel();
        int gw = cell.ngroups() * dims.headDim();
        int copies = dims.numHeads() / cell.ngroups();
        int chunk = cell.chunkSize();
        INDArray u = linear(rmsNorm(x, norm, dims.normEps()), inProj);                   // [B, 3D + 2G·d]
        INDArray z = sigmoid(columns(u, 0, d));
        INDArray v = columns(u, d, d);
        INDArray f = sigmoid(columns(u, 2L * d, d).addiRowVector(gateBias));
        INDArray q = Nd4j.tile(columns(u, 3L * d, gw), 1, copies);                       // [B, D]
        INDArray k = Nd4j.tile(columns(u, 3L * d + gw, gw), 1, copies);

        long[] chunkIndex = new long[positions.length];
        for (int b = 0; b < positions.length; b++) {
            chunkIndex[b] = positions[b] / chunk;
            if (chunkIndex[b] >= slots.slots()) {
                throw new IllegalStateException("position " + positions[b] + " is beyond the cache capacity; create"
                        + " the cache with a larger capacity (prompt length + max new tokens)");
            }
            if (positions[b] % chunk == 0) {                                             // a new chunk: state restarts
                kState.getRow(b).assign(0.0);
                vState.getRow(b).assign(0.0);
            }
        }
        INDArray keep = f.rsub(1.0);
        kState.muli(f).addi(keep.mul(k));
        vState.muli(f).addi(keep.muli(v));

        INDArray kRot = rope(heads(kState, dims.numHeads(), dims.headDim()), chunkIndex, cell.ropeBase());   // [B, H, d]
        INDArray qRot = rope(heads(q, dims.numHeads(), dims.headDim()), chunkIndex, cell.ropeBase());
        INDArray vHeads = heads(vState, dims.numHeads(), dims.headDim());
        for (int b = 0; b < positions.length; b++) {
            slots.write(b, (int) chunkIndex[b], kRot.get(NDArrayIndex.point(b)), vHeads.get(NDArrayIndex.point(b)));
        }
        INDArray y = rows(slots.attend(qRot));                                          // [B, D]
        return x.add(linear(z.muli(y), outProj));
    }

    @Override
    public void prefill(Map<String, INDArray> taps, int[] lengths) {
        INDArray keys = taps.get(RatLayer.TAP_K);                                        // [B, T, D], before rotation
        INDArray values = taps.get(RatLayer.TAP_V);
        int chunk = cell.chunkSize();
        for (int b = 0; b < lengths.length; b++) {
            int n = lengths[b];
            INDArray kSeq = keys.get(NDArrayIndex.point(b), NDArrayIndex.all(), NDArrayIndex.all());   // [T, D]
            INDArray vSeq = values.get(NDArrayIndex.point(b), NDArrayIndex.all(), NDArrayIndex.all());
            kState.getRow(b).assign(kSeq.getRow(n - 1));
            vState.getRow(b).assign(vSeq.getRow(n - 1));
            // Slot c holds the state at the chunk's last token, or at n-1 for the (partial) last chunk.
            int chunks = (n - 1) / chunk + 1;
            int[] rowsAt = new int[chunks];
            long[] chunkIndex = new long[chunks];
            for (int c = 0; c < chunks; c++) {
                rowsAt[c] = Math.min((c + 1) * chunk - 1, n - 1);
                chunkIndex[c] = c;
            }
            INDArray k = rope(heads(Nd4j.pullRows(kSeq, 1, rowsAt), dims.numHeads(), dims.headDim()), chunkIndex, cell.ropeBase());
            INDArray v = heads(Nd4j.pullRows(vSeq, 1, rowsAt), dims.numHeads(), dims.headDim());
            slots.writeRange(b, 0, k, v);
        }
    }

    @Override
    public long stateElementsPerSequence() {
        return slots.elementsPerSequence() + 2L * dims.dModel();
    }
}
