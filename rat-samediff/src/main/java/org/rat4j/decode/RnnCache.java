package org.rat4j.decode;

import org.rat4j.kernels.Eager;
import org.rat4j.kernels.KeyValueSlots;
import org.rat4j.kernels.StepGemm;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.rat4j.layers.BlockDims;
import org.rat4j.layers.RnnLayer;

import java.util.Map;

import static org.rat4j.kernels.Eager.*;
import static org.rat4j.kernels.NdBuffers.*;
import static org.rat4j.kernels.Rope.*;
import static org.rat4j.kernels.Rows.*;

/** Decode state of the RNN: the hidden state h, D numbers per sequence; an O(D) update per token. */
public final class RnnCache implements DecodeCache {
    private final BlockDims dims;
    private final double[] norm;
    private final StepGemm inProj;
    private final double[] gateBias;
    private final StepGemm outProj;
    private final double[] h;                                                           // [B, D]

    public RnnCache(BlockDims dims, Map<String, INDArray> p, int batch) {
        this.dims = dims;
        this.norm = numbers(p.get("input_norm.weight"));
        this.inProj = new StepGemm(p.get("in_proj.weight"), batch);
        this.gateBias = numbers(p.get("gate_bias"));
        this.outProj = new StepGemm(p.get("out_proj.weight"), batch);
        this.h = new double[batch * dims.dModel()];
    }

    @Override
    public INDArray step(INDArray x, int[] positions) {
        int d = dims.dModel();
        double[] xs = numbers(x);                                                       // [B, D]
        double[] u = inProj.apply(rmsNorm(xs, norm, dims.normEps()));                  // [B, 3D]: z, v, f
        double[] y = new double[positions.length * d];
        for (int b = 0; b < positions.length; b++) {
            boolean restart = positions[b] == 0;                                         // a new sequence
            for (int j = 0, row = 3 * d * b, at = b * d; j < d; j++, at++) {
                double f = sigmoid(u[row + 2 * d + j] + gateBias[j]);
                h[at] = (restart ? 0 : h[at]) * f + (1 - f) * u[row + d + j];
                y[at] = sigmoid(u[row + j]) * h[at];
            }
        }
        return residual(xs, outProj.apply(y), x);
    }

    @Override
    public void prefill(Map<String, INDArray> taps, int[] lengths) {
        INDArray states = taps.get(RnnLayer.TAP_H);                                      // [B, T, D]
        for (int b = 0; b < lengths.length; b++) {
            INDArray last = states.get(NDArrayIndex.point(b), NDArrayIndex.point(lengths[b] - 1), NDArrayIndex.all());
            System.arraycopy(numbers(last), 0, h, b * dims.dModel(), dims.dModel());
        }
    }

    @Override
    public long stateElementsPerSequence() {
        return dims.dModel();
    }
}
