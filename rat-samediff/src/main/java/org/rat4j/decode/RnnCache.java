package org.rat4j.decode;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.rat4j.layers.BlockDims;
import org.rat4j.layers.RnnLayer;

import java.util.Map;

import static org.rat4j.decode.StepMath.*;

/** Decode state of the RNN: the hidden state h, D numbers per sequence; an O(D) update per token. */
public final class RnnCache implements DecodeCache {
    private final BlockDims dims;
    private final INDArray norm;
    private final INDArray inProj;
    private final INDArray gateBias;
    private final INDArray outProj;
    private final INDArray h;                                                           // [B, D]

    public RnnCache(BlockDims dims, Map<String, INDArray> p, int batch) {
        this.dims = dims;
        this.norm = p.get("input_norm.weight");
        this.inProj = p.get("in_proj.weight");
        this.gateBias = p.get("gate_bias");
        this.outProj = p.get("out_proj.weight");
        this.h = Nd4j.zeros(inProj.dataType(), batch, dims.dModel());
    }

    @Override
    public INDArray step(INDArray x, int[] positions) {
        int d = dims.dModel();
        INDArray u = linear(rmsNorm(x, norm, dims.normEps()), inProj);                   // [B, 3D]
        INDArray z = sigmoid(columns(u, 0, d));
        INDArray v = columns(u, d, d);
        INDArray f = sigmoid(columns(u, 2L * d, d).addiRowVector(gateBias));
        for (int b = 0; b < positions.length; b++) {
            if (positions[b] == 0) h.getRow(b).assign(0.0);                              // a new sequence
        }
        h.muli(f).addi(f.rsub(1.0).muli(v));
        return x.add(linear(z.muli(h), outProj));
    }

    @Override
    public void prefill(Map<String, INDArray> taps, int[] lengths) {
        INDArray states = taps.get(RnnLayer.TAP_H);                                      // [B, T, D]
        for (int b = 0; b < lengths.length; b++) {
            h.getRow(b).assign(states.get(NDArrayIndex.point(b), NDArrayIndex.point(lengths[b] - 1), NDArrayIndex.all()));
        }
    }

    @Override
    public long stateElementsPerSequence() {
        return dims.dModel();
    }
}
