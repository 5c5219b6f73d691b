package org.rat4j.block;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.kernels.StepGemm;

import java.util.Map;

import static org.rat4j.block.MixerParams.*;
import static org.rat4j.kernels.NdBuffers.numbers;
import static org.rat4j.kernels.Rows.residual;
import static org.rat4j.kernels.Rows.rmsNorm;

/**
 * The decode-step form of what every mixer shares ({@link InProjection} is the graph form): the front
 * {@code u = RMSNorm(x)·W_inᵀ} and the back {@code x + W_out·y}, on row-major float64 {@code [B, ·]} numbers, each
 * projection a {@link StepGemm} with its ND4J buffers allocated once for the cache's batch.
 */
public final class StepProjections {
    private final double[] norm;
    private final double eps;
    private final StepGemm in;
    private final StepGemm out;

    public StepProjections(Map<String, INDArray> p, BlockDims dims, int batch) {
        this.norm = numbers(p.get(NORM));
        this.eps = dims.normEps();
        this.in = new StepGemm(p.get(IN_PROJ), batch);
        this.out = new StepGemm(p.get(OUT_PROJ), batch);
    }

    /** {@code u = RMSNorm(x)·W_inᵀ}, row-major {@code [B, rows]}; the same array on every call. */
    public double[] in(double[] x) {
        return in.apply(rmsNorm(x, norm, eps));
    }

    /** {@code x + y·W_outᵀ}, a new array of the type and shape of {@code like} ({@code [B, D]}). */
    public INDArray out(double[] x, double[] y, INDArray like) {
        return residual(x, out.apply(y), like);
    }
}
