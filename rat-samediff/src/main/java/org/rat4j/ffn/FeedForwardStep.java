package org.rat4j.ffn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.block.BlockDims;
import org.rat4j.block.DecodeCache;

import java.util.Map;

import static org.rat4j.kernels.Eager.gelu;
import static org.rat4j.kernels.Eager.linear;
import static org.rat4j.kernels.Eager.rmsNorm;

/** The FFN holds no state; its "cache" just applies the block to the current token. */
final class FeedForwardStep implements DecodeCache {
    private final BlockDims dims;
    private final INDArray norm;
    private final INDArray fc1;
    private final INDArray fc2;

    FeedForwardStep(BlockDims dims, Map<String, INDArray> p) {
        this.dims = dims;
        this.norm = p.get(FeedForwardBlock.NORM);
        this.fc1 = p.get(FeedForwardBlock.FC1);
        this.fc2 = p.get(FeedForwardBlock.FC2);
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
