package org.rat4j;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rat4j.block.Initializer;
import org.rat4j.block.SequenceBlock;
import org.rat4j.ops.GraphContext;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Runs one block's parallel forward on a given input, in float64. */
public final class BlockHarness {
    private BlockHarness() {
    }

    /** Freshly initialised float64 parameters of a block. */
    public static Map<String, INDArray> params(SequenceBlock block, long seed) {
        Map<String, INDArray> p = new LinkedHashMap<>();
        block.parameterShapes().forEach((n, s) -> p.put(n, Nd4j.zeros(DataType.DOUBLE, s)));
        block.initialize(p, new Initializer(seed));
        return p;
    }

    /** {@code block(x)} for x {@code [B, T, D]}. */
    public static INDArray run(SequenceBlock block, Map<String, INDArray> params, INDArray x) {
        int seqLen = (int) x.size(1);
        SameDiff sd = SameDiff.create();
        SDVariable in = sd.placeHolder("x", DataType.DOUBLE, -1, seqLen, x.size(2));
        Map<String, SDVariable> vars = new LinkedHashMap<>();
        params.forEach((n, a) -> vars.put(n, sd.var(n.replace('.', '_'), a)));
        SDVariable out = block.define(new GraphContext(sd, seqLen, DataType.DOUBLE), in, vars, "tap.");
        return sd.output(Map.of("x", x), out.name()).get(out.name());
    }

    /** Uniform values in [-1, 1), {@code [B, T, D]}. */
    public static INDArray input(int batch, int seqLen, int d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        INDArray x = Nd4j.zeros(DataType.DOUBLE, batch, seqLen, d);
        for (long i = 0; i < x.length(); i++) x.putScalar(i, r.nextDouble(-1, 1));
        return x;
    }
}
