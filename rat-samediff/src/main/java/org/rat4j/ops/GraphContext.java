package org.rat4j.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * What the layers of one SameDiff graph share: the graph, its static sequence length T, its float type, and the
 * constants (RoPE tables, masks) that several layers of the same T reuse. Shapes are static in T and dynamic in
 * the batch, so a graph serves any batch size; a model keeps one graph per T.
 */
public final class GraphContext {
    private final SameDiff sd;
    private final int seqLen;
    private final DataType dataType;
    private final Map<String, SDVariable> constants = new HashMap<>();

    public GraphContext(SameDiff sd, int seqLen, DataType dataType) {
        this.sd = sd;
        this.seqLen = seqLen;
        this.dataType = dataType;
    }

    public SameDiff sd() {
        return sd;
    }

    /** Static sequence length T of this graph. */
    public int seqLen() {
        return seqLen;
    }

    public DataType dataType() {
        return dataType;
    }

    /** A graph constant built once per key, e.g. {@code "rope.cos.chunk16"}; the supplier's array is cast to the graph type. */
    public SDVariable constant(String key, Supplier<INDArray> make) {
        return constants.computeIfAbsent(key, k -> sd.constant("const." + k, make.get().castTo(dataType)));
    }

    /**
     * Names an intermediate so that the decode prefill can fetch it with {@code sd.output(..., name)}. The identity
     * is a side branch: it runs only when asked for and takes no part in gradients.
     */
    public SDVariable tap(String name, SDVariable v) {
        return sd.identity(name, v);
    }
}
