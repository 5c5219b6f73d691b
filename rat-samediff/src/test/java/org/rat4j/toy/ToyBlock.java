package org.rat4j.toy;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.block.BlockDims;
import org.rat4j.block.DecodeCache;
import org.rat4j.block.InProjection;
import org.rat4j.block.Initializer;
import org.rat4j.block.MixerBlock;
import org.rat4j.block.Segment;
import org.rat4j.block.StepProjections;
import org.rat4j.ops.ChunkedRecurrence;
import org.rat4j.ops.GraphContext;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.rat4j.block.InProjection.columns;
import static org.rat4j.block.InProjection.residualOut;
import static org.rat4j.block.MixerParams.*;
import static org.rat4j.kernels.NdBuffers.numbers;
import static org.rat4j.kernels.Rows.sigmoid;

/** The toy mixer's graph and decode step: {@code [z, v] = RMSNorm(x)·W_inᵀ}, an EMA of v, gated by σ(z). */
final class ToyBlock implements MixerBlock {
    static final String TAP_H = "h";
    private final BlockDims dims;
    private final double decay;
    private final Segment z;
    private final Segment v;

    ToyBlock(BlockDims dims, double decay) {
        this.dims = dims;
        this.decay = decay;
        this.z = new Segment(0, dims.dModel());
        this.v = z.next(dims.dModel());
    }

    @Override
    public LinkedHashMap<String, long[]> parameterShapes() {
        long d = dims.dModel();
        LinkedHashMap<String, long[]> m = new LinkedHashMap<>();
        m.put(NORM, new long[]{d});
        m.put(IN_PROJ, new long[]{v.end(), d});
        m.put(OUT_PROJ, new long[]{d, d});
        return m;
    }

    @Override
    public void initialize(Map<String, INDArray> p, Initializer init) {
        p.get(NORM).assign(1.0);
        init.normal(IN_PROJ, p.get(IN_PROJ), dims.initStd());
        init.normal(OUT_PROJ, p.get(OUT_PROJ), dims.initStd());
    }

    @Override
    public SDVariable define(GraphContext ctx, SDVariable x, Map<String, SDVariable> p, String tapPrefix) {
        SameDiff sd = ctx.sd();
        int seqLen = ctx.seqLen();
        int d = dims.dModel();
        SDVariable u = InProjection.apply(sd, x, p, dims);                                     // [B·T, 2D]
        SDVariable values = sd.reshape(columns(u, v), -1, seqLen, d);                           // [B, T, D]
        SDVariable gate = sd.zerosLike(values).add(decay);
        SDVariable h = ChunkedRecurrence.scan(sd, gate, values, seqLen);                         // [B, T, D]
        ctx.tap(tapPrefix + TAP_H, h, d);
        return residualOut(sd, x, sd.nn.sigmoid(columns(u, z)).mul(sd.reshape(h, -1, d)), p, seqLen, d);
    }

    @Override
    public List<String> tapNames() {
        return List.of(TAP_H);
    }

    @Override
    public DecodeCache newCache(Map<String, INDArray> params, int batch, int capacity, DataType stateType) {
        StepProjections projections = new StepProjections(params, dims, batch);
        double[] state = new double[batch * dims.dModel()];
        int d = dims.dModel();
        return new DecodeCache() {
            @Override
            public INDArray step(INDArray x, int[] positions) {
                double[] xs = numbers(x);
                double[] u = projections.in(xs);                                                  // [B, 2D]
                double[] y = new double[xs.length];
                for (int b = 0; b < positions.length; b++) {
                    for (int j = 0, at = b * d; j < d; j++, at++) {
                        state[at] = (positions[b] == 0 ? 0 : state[at]) * decay + (1 - decay) * u[b * v.end() + v.offset() + j];
                        y[at] = sigmoid(u[b * v.end() + z.offset() + j]) * state[at];
                    }
                }
                return projections.out(xs, y, x);
            }

            @Override
            public void prefill(Map<String, INDArray> taps, int[] lengths) {
                for (int b = 0; b < lengths.length; b++) {
                    INDArray last = taps.get(TAP_H).get(org.nd4j.linalg.indexing.NDArrayIndex.point(b),
                            org.nd4j.linalg.indexing.NDArrayIndex.point(lengths[b] - 1), org.nd4j.linalg.indexing.NDArrayIndex.all());
                    System.arraycopy(numbers(last), 0, state, b * d, d);
                }
            }

            @Override
            public long stateElementsPerSequence() {
                return d;
            }
        };
    }

    @Override
    public long keysAttended(long t) {
        return 0;
    }

    @Override
    public double keysComputed(int seqLen) {
        return 0;
    }

    @Override
    public int scanLength(int seqLen) {
        return seqLen;
    }
}
