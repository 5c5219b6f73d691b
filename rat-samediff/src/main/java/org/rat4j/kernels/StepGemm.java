package org.rat4j.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The GEMM of a decode step: {@code x·Wᵀ} of one weight ({@code [out, in]}, PyTorch layout) for the fixed batch of a
 * decode cache, between the step's float64 rows and ND4J.
 *
 * <p>Its ND4J input and output arrays are allocated once and reused: allocating an ND4J array cost ~0.5 ms on these
 * machines whatever its size (JavaCPP's bookkeeping), more than the GEMM itself at small batches. From
 * {@link #COLUMN_MAJOR_BATCH} rows up both are column-major ('f'), the layout OpenBLAS computes in, which spared
 * ND4J a copy: D=1024 → 3584 at 64 rows took 3.2–3.4 ms ('f' in and out) against 6.5–8.6 ms (row-major), at 16
 * rows 1.6 against 6.4 ms; at 1 row row-major was faster (0.4 against 0.9 ms). See docs/performance.md.
 */
public final class StepGemm {
    public static final int COLUMN_MAJOR_BATCH = 8;

    private final INDArray weight;
    private final int batch;
    private final int in;
    private final int out;
    private final boolean columnMajor;
    private final INDArray input;                                                       // [B, in]
    private final INDArray output;                                                      // [B, out]
    private final double[] result;                                                      // [B, out] row-major

    public StepGemm(INDArray weight, int batch) {
        this.weight = weight;
        this.batch = batch;
        this.in = (int) weight.size(1);
        this.out = (int) weight.size(0);
        this.columnMajor = batch >= COLUMN_MAJOR_BATCH;
        char order = columnMajor ? 'f' : 'c';
        this.input = Nd4j.create(weight.dataType(), new long[]{batch, in}, order);
        this.output = Nd4j.create(weight.dataType(), new long[]{batch, out}, order);
        this.result = new double[batch * out];
    }

    /**
     * @param x row-major {@code [B, in]}
     * @return row-major {@code [B, out]}; the same array on every call, overwritten by the next
     */
    public double[] apply(double[] x) {
        if (!columnMajor) {
            NdBuffers.writeStorage(x, input);
            Nd4j.gemm(input, weight, output, false, true, 1.0, 0.0);
            NdBuffers.readStorage(output, result);
            return result;
        }
        NdBuffers.writeStorageTransposed(x, batch, in, input);                           // 'f' [B, in]
        Nd4j.gemm(input, weight, output, false, true, 1.0, 0.0);
        NdBuffers.readStorageTransposed(output, batch, out, result);                     // 'f' [B, out]
        return result;
    }
}
