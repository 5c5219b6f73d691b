package org.rat4j.ffn;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.block.BlockDims;
import org.rat4j.block.DecodeCache;
import org.rat4j.block.Initializer;
import org.rat4j.block.SequenceBlock;
import org.rat4j.ops.Gelu;
import org.rat4j.ops.GraphContext;
import org.rat4j.ops.Linear;
import org.rat4j.ops.RmsNorm;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The GELU FFN (spec §2.5): {@code out = x + fc2(GELU(fc1(RMSNorm(x))))}, width {@code ffn_mult·D}, no bias, exact GELU. */
public final class FeedForwardBlock implements SequenceBlock {
    public static final String NORM = "ln.weight";
    public static final String FC1 = "fc1.weight";
    public static final String FC2 = "fc2.weight";

    private final BlockDims dims;
    private final int hidden;

    public FeedForwardBlock(BlockDims dims, int hidden) {
        this.dims = dims;
        this.hidden = hidden;
    }

    @Override
    public LinkedHashMap<String, long[]> parameterShapes() {
        long d = dims.dModel();
        LinkedHashMap<String, long[]> m = new LinkedHashMap<>();
        m.put(NORM, new long[]{d});
        m.put(FC1, new long[]{hidden, d});
        m.put(FC2, new long[]{d, hidden});
        return m;
    }

    @Override
    public void initialize(Map<String, INDArray> p, Initializer init) {
        p.get(NORM).assign(1.0);
        init.normal(FC1, p.get(FC1), dims.initStd());
        init.normal(FC2, p.get(FC2), dims.initStd());
    }

    @Override
    public SDVariable define(GraphContext ctx, SDVariable x, Map<String, SDVariable> p, String tapPrefix) {
        SameDiff sd = ctx.sd();
        int d = dims.dModel();
        SDVariable xn = sd.reshape(RmsNorm.apply(sd, x, p.get(NORM), dims.normEps()), -1, d);     // [B·T, D]
        SDVariable h = Gelu.apply(sd, Linear.apply(sd, xn, p.get(FC1)));                             // [B·T, 4D]
        return x.add(sd.reshape(Linear.apply(sd, h, p.get(FC2)), -1, ctx.seqLen(), d));
    }

    @Override
    public List<String> tapNames() {
        return List.of();
    }

    @Override
    public DecodeCache newCache(Map<String, INDArray> params, int batch, int capacity, DataType stateType) {
        return new FeedForwardStep(dims, params);
    }
}
