package org.rat4j.data;

import java.util.Arrays;

/** A growable list of primitive ints: token ids without boxing. Not thread-safe. */
public final class IntList {
    private int[] data;
    private int size;

    public IntList() {
        this(16);
    }

    public IntList(int capacity) {
        data = new int[Math.max(1, capacity)];
    }

    public void add(int value) {
        if (size == data.length) grow(size + 1);
        data[size++] = value;
    }

    public void addAll(int[] values) {
        addAll(values, 0, values.length);
    }

    public void addAll(int[] values, int from, int length) {
        if (size + length > data.length) grow(size + length);
        System.arraycopy(values, from, data, size, length);
        size += length;
    }

    public int get(int index) {
        if (index < 0 || index >= size) throw new IndexOutOfBoundsException(index + " of " + size);
        return data[index];
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    public void clear() {
        size = 0;
    }

    /** The backing array; only the first {@link #size()} entries are meaningful. */
    public int[] rawArray() {
        return data;
    }

    public int[] toArray() {
        return Arrays.copyOf(data, size);
    }

    private void grow(int needed) {
        data = Arrays.copyOf(data, (int) Math.min(Integer.MAX_VALUE - 16, Math.max(needed, data.length * 2L)));
    }
}
