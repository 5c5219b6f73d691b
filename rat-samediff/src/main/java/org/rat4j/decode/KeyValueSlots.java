package org.rat4j.decode;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.rat4j.ops.AttentionMask;

/**
 * Slots of keys and values per sequence, {@code K, V: [B, H, S, d]}, each slot valid or not per sequence.
 * A query attends every valid slot of its own sequence; what a slot holds (a token, a chunk summary, a sink) is the
 * owning cache's business. The attention runs over slots {@code 0 .. highest valid slot} only.
 */
final class KeyValueSlots {
    private final INDArray keys;
    private final INDArray values;
    private final INDArray mask;          // [B, 1, 1, S] additive
    private final int[] used;             // per sequence: 1 + highest slot written
    private final int heads;
    private final int headDim;

    KeyValueSlots(int batch, int heads, int slots, int headDim, DataType type) {
        this.keys = Nd4j.zeros(type, batch, heads, slots, headDim);
        this.values = Nd4j.zeros(type, batch, heads, slots, headDim);
        this.mask = Nd4j.valueArrayOf(new long[]{batch, 1, 1, slots}, AttentionMask.MASKED, type);
        this.used = new int[batch];
        this.heads = heads;
        this.headDim = headDim;
    }

    int slots() {
        return (int) keys.size(2);
    }

    /** Writes one slot of sequence b: {@code k, v: [H, d]}. */
    void write(int b, int slot, INDArray k, INDArray v) {
        keys.get(NDArrayIndex.point(b), NDArrayIndex.all(), NDArrayIndex.point(slot), NDArrayIndex.all()).assign(k);
        values.get(NDArrayIndex.point(b), NDArrayIndex.all(), NDArrayIndex.point(slot), NDArrayIndex.all()).assign(v);
        validate(b, slot, slot + 1);
    }

    /** Writes slots {@code start .. start+n-1} of sequence b: {@code k, v: [n, H, d]}. */
    void writeRange(int b, int start, INDArray k, INDArray v) {
        long n = k.size(0);
        if (n == 0) return;
        keys.get(NDArrayIndex.point(b), NDArrayIndex.all(), NDArrayIndex.interval(start, start + n), NDArrayIndex.all())
                .assign(k.permute(1, 0, 2));
        values.get(NDArrayIndex.point(b), NDArrayIndex.all(), NDArrayIndex.interval(start, start + n), NDArrayIndex.all())
                .assign(v.permute(1, 0, 2));
        validate(b, start, (int) (start + n));
    }

    /** Copies slot {@code from} to slot {@code to} within sequence b. */
    void copy(int b, int from, int to) {
        write(b, to,
                keys.get(NDArrayIndex.point(b), NDArrayIndex.all(), NDArrayIndex.point(from), NDArrayIndex.all()).dup(),
                values.get(NDArrayIndex.point(b), NDArrayIndex.all(), NDArrayIndex.point(from), NDArrayIndex.all()).dup());
    }

    private void validate(int b, int from, int to) {
        mask.get(NDArrayIndex.point(b), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(from, to)).assign(0.0);
        used[b] = Math.max(used[b], to);
    }

    /**
     * Softmax attention of one query per sequence over its valid slots.
     *
     * @param q {@code [B, H, d]}, already rotated as the keys were
     * @return {@code [B, H, d]}
     */
    INDArray attend(INDArray q) {
        int active = 0;
        for (int u : used) active = Math.max(active, u);
        long batch = q.size(0);
        INDArray k = keys.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, active), NDArrayIndex.all());
        INDArray v = values.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, active), NDArrayIndex.all());
        INDArray m = mask.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, active));
        INDArray q4 = q.dup('c').reshape('c', batch, heads, 1, headDim);
        INDArray scores = Nd4j.matmul(q4, k, false, true, false).muli(1.0 / Math.sqrt(headDim));   // [B, H, 1, S]
        scores.addi(m.broadcast(scores.shape()));
        Nd4j.exec(new SoftMax(scores, scores, 3));
        return Nd4j.matmul(scores, v).reshape('c', batch, heads, headDim);                         // [B, H, d]
    }

    long elementsPerSequence() {
        return 2L * heads * slots() * headDim;
    }
}
