package org.rat4j.data.tokenizer;

import java.util.Arrays;

/** A binary min-heap of primitive longs: the BPE merge queue, keyed by (rank, position) packed in one long. */
final class LongMinHeap {
    private long[] heap;
    private int size;

    LongMinHeap(int capacity) {
        heap = new long[Math.max(2, capacity)];
    }

    void clear() {
        size = 0;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }

    void push(long value) {
        if (size == heap.length) heap = Arrays.copyOf(heap, heap.length * 2);
        int i = size++;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            long p = heap[parent];
            if (p <= value) break;
            heap[i] = p;
            i = parent;
        }
        heap[i] = value;
    }

    long pop() {
        long top = heap[0];
        long last = heap[--size];
        int i = 0;
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            long c = heap[child];
            int right = child + 1;
            if (right < size && heap[right] < c) {
                child = right;
                c = heap[right];
            }
            if (last <= c) break;
            heap[i] = c;
            i = child;
        }
        heap[i] = last;
        return top;
    }
}
