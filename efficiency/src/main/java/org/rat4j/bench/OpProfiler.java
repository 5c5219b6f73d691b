package org.rat4j.bench;

import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.*;

/**
 * A SameDiff listener that times every op execution (wall time between the listener's pre- and post-op calls) and
 * the bytes of its outputs, aggregated by op type and by op instance. Used outside the timed runs to explain them.
 */
public final class OpProfiler extends BaseListener {
    /** Time and output bytes of one op type or op instance. */
    public static final class Entry {
        public final String name;
        public final String type;
        public long count;
        public long nanos;
        public long outputBytes;
        public String shapes = "";

        Entry(String name, String type) {
            this.name = name;
            this.type = type;
        }

        public double ms() {
            return nanos / 1e6;
        }
    }

    private final Map<String, Entry> byType = new HashMap<>();
    private final Map<String, Entry> byOp = new HashMap<>();
    private long start;
    private long projectionNanos;
    private long projectionCount;

    @Override
    public boolean isActive(Operation operation) {
        return true;
    }

    @Override
    public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext opContext) {
        start = System.nanoTime();
    }

    @Override
    public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext opContext, INDArray[] outputs) {
        long dt = System.nanoTime() - start;
        String type = op.getOp().opName();
        long bytes = 0;
        StringBuilder shapes = new StringBuilder();
        if (outputs != null) {
            for (INDArray o : outputs) {
                if (o == null) continue;
                bytes += o.length() * o.dataType().width();
                if (shapes.length() < 80) shapes.append(Arrays.toString(o.shape()));
            }
        }
        add(byType.computeIfAbsent(type, k -> new Entry(k, k)), dt, bytes, null);
        if (type.startsWith("matmul") && touchesProjection(op)) {
            projectionNanos += dt;
            projectionCount++;
        }
        add(byOp.computeIfAbsent(op.getName(), k -> new Entry(k, type)), dt, bytes, shapes.toString());
    }

    private static void add(Entry e, long nanos, long bytes, String shapes) {
        e.count++;
        e.nanos += nanos;
        e.outputBytes += bytes;
        if (shapes != null) e.shapes = shapes;
    }

    /** A matmul (or its backward) whose inputs include a layer's in_proj or out_proj weight. */
    static boolean touchesProjection(SameDiffOp op) {
        List<String> in = op.getInputsToOp();
        if (in == null) return false;
        for (String n : in) if (n.equals("in_proj_weight") || n.equals("out_proj_weight")) return true;
        return false;
    }

    /** Time of the projection GEMMs (forward and backward). */
    public double projectionMs() {
        return projectionNanos / 1e6;
    }

    public long projectionCount() {
        return projectionCount;
    }

    public void reset() {
        byType.clear();
        byOp.clear();
        projectionNanos = 0;
        projectionCount = 0;
    }

    public double totalMs() {
        return byType.values().stream().mapToLong(e -> e.nanos).sum() / 1e6;
    }

    public long totalOutputBytes() {
        return byType.values().stream().mapToLong(e -> e.outputBytes).sum();
    }

    public List<Entry> topTypes(int n) {
        return top(byType, n);
    }

    public List<Entry> topOps(int n) {
        return top(byOp, n);
    }

    public Collection<Entry> ops() {
        return byOp.values();
    }

    private static List<Entry> top(Map<String, Entry> m, int n) {
        List<Entry> l = new ArrayList<>(m.values());
        l.sort(Comparator.comparingLong((Entry e) -> e.nanos).reversed());
        return l.subList(0, Math.min(n, l.size()));
    }
}
