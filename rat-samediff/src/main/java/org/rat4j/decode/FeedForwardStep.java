package org.rat4j.decode;

import org.rat4j.kernels.Eager;
import org.rat4j.kernels.KeyValueSlots;
import org.rat4j.kernels.StepGemm;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.layers.BlockDims;
import org.rat4j.layers.FeedForwardLayer;

import java.util.Map;

import static org.rat4j.kernels.Eager.*;
import static org.rat4j.kernels.NdBuffers.*;
import static org.rat4j.kernels.Rope.*;
import static org.rat4j.kernels.Rows.*;

/** The FFN holds no state; its "cache" just applies the block to the current token. */
public final class FeedForwardStep implements DecodeCache {
    private final BlockDims dims;
    private final INDArray norm;
    private final INDArray fc1;
    private final INDArray fc2;

    public FeedForwardStep(BlockDims dims, Map<String, INDArray> p) {
        this.dims = dims;
        this.norm = p.get(FeedForwardLayer.NORM);
        this.fc1 = p.get(FeedForwardLayer.FC1);
        this.fc2 = p.get(FeedForwardLayer.FC2);
    }

    @Override
    public INDArray step(INDArray x, int[] positions) {
        return x.add(linear(gelu(linear(rmsNorm(x, norm, dims.normEps()), fc1)), fc2));
    }

    @Override
    public void prefill(Map<String, INDArray> taps, int[] lengths) {
    }

    @Override
    public long stateElementsPerSequence() {
        return 0;
    }
}
