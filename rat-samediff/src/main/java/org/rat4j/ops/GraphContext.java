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
    private final boolean taps;

    /** A context whose {@link #tap}s create named outputs (for graphs that serve decode prefills). */
    public GraphContext(SameDiff sd, int seqLen, DataType dataType) {
        this(sd, seqLen, dataType, true);
    }

    /**
     * @param taps false for graphs that must have a single leaf output: SameDiff infers the loss of a DL4J layer
     *             from the graph's leaves, and a tap is a leaf
     */
    public GraphContext(SameDiff sd, int seqLen, DataType dataType, boolean taps) {
        this.sd = sd;
        this.seqLen = seqLen;
        this.dataType = dataType;
        this.taps = taps;
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
     * Names an intermediate so that the decode prefill can fetch it with {@code sd.output(..., name)}: the rows
     * {@code [B·T, width]} (or {@code [B, T, width]}) become the named {@code [B, T, width]}. The op is a side branch:
     * it runs only when asked for and takes no part in gradients. Does nothing when taps are off.
     */
    public void tap(String name, SDVariable rows, int width) {
        if (taps) sd.reshape(name, rows, -1, seqLen, width);
    }
}
