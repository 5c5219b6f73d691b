package org.rat4j.model;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * The loss of a batch and the gradient of every parameter, by state-dict name. The arrays are native memory that
 * ND4J frees only when Java collects them; long loops call {@link #close()} to free them at once.
 */
public record Gradients(double loss, Map<String, INDArray> byName) implements AutoCloseable {
    @Override
    public void close() {
        for (INDArray a : byName.values()) {
            if (a.closeable()) a.close();
        }
    }
}
