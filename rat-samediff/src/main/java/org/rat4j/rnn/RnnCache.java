package org.rat4j.rnn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.block.BlockDims;
import org.rat4j.block.DecodeCache;
import org.rat4j.block.StepProjections;
import org.rat4j.kernels.Bf16;

import java.util.Map;

import static org.rat4j.block.MixerParams.GATE_BIAS;
import static org.rat4j.kernels.NdBuffers.numbers;
import static org.rat4j.kernels.NdBuffers.rowMajor;
import static org.rat4j.kernels.NdBuffers.readRow;
import static org.rat4j.kernels.Rows.sigmoid;

/** Decode state of the RNN: the hidden state h, D numbers per sequence; an O(D) update per token. */
final class RnnCache implements DecodeCache {
    private final BlockDims dims;
    private final RnnLayout layout;
    private final StepProjections projections;
    private final double[] gateBias;
    private final double[] h;                                                           // [B, D]
    /** The hidden state rounded to bfloat16 after every update, as the papers' code keeps it. */
    private final boolean bf16;

    RnnCache(BlockDims dims, RnnLayout layout, Map<String, INDArray> p, int batch, DataType stateType) {
        this.dims = dims;
        this.layout = layout;
        this.projections = new StepProjections(p, dims, batch);
        this.gateBias = numbers(p.get(GATE_BIAS));
        this.h = new double[batch * dims.dModel()];
        this.bf16 = stateType == DataType.BFLOAT16;
    }

    @Override
    public INDArray step(INDArray x, int[] positions) {
        int d = dims.dModel();
        double[] xs = numbers(x);                                                       // [B, D]
        double[] u = projections.in(xs);                                                // [B, 3D]: z, v, f
        double[] y = new double[positions.length * d];
        for (int b = 0; b < positions.length; b++) {
            boolean restart = positions[b] == 0;                                         // a new sequence
            for (int j = 0, row = layout.rows() * b, at = b * d; j < d; j++, at++) {
                double f = sigmoid(u[row + layout.gate().offset() + j] + gateBias[j]);
                h[at] = (restart ? 0 : h[at]) * f + (1 - f) * u[row + layout.v().offset() + j];
                if (bf16) h[at] = Bf16.round(h[at]);
                y[at] = sigmoid(u[row + layout.z().offset() + j]) * h[at];
            }
        }
        return projections.out(xs, y, x);
    }

    @Override
    public void prefill(Map<String, INDArray> taps, int[] lengths) {
        INDArray states = rowMajor(taps.get(RnnLayout.TAP_H));                           // [B, T, D], copied once if a view
        for (int b = 0; b < lengths.length; b++) readRow(states, b, lengths[b] - 1, h, b * dims.dModel());
        if (bf16) Bf16.round(h, 0, h.length);
    }

    @Override
    public long stateElementsPerSequence() {
        return dims.dModel();
    }
}
