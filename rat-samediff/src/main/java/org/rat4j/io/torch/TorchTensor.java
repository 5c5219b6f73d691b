package org.rat4j.io.torch;

import java.util.Arrays;

/**
 * A tensor of a checkpoint, not yet read: a view of {@code shape} and {@code stride} (in elements) starting at
 * element {@code offset} of its storage, as {@code torch._utils._rebuild_tensor_v2} describes it. Tensors that share
 * a storage (tied weights) share a {@link TorchStorage}.
 */
public record TorchTensor(TorchStorage storage, TorchDtype dtype, long offset, long[] shape, long[] stride) {
    public TorchTensor {
        shape = shape.clone();
        stride = stride.clone();
    }

    /** The element count; {@link ArithmeticException} if it does not fit a long (a crafted shape). */
    public long numel() {
        long n = 1;
        for (long s : shape) n = Math.multiplyExact(n, s);
        return n;
    }

    /** C order with no gaps: the elements are {@code numel()} consecutive storage elements from {@code offset}. */
    public boolean isContiguous() {
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) return false;
            expected *= shape[i];
        }
        return true;
    }

    /** The number of storage elements from {@code offset} that the view reaches (0 for an empty tensor). */
    public long span() {
        if (numel() == 0) return 0;
        long last = 0;
        for (int i = 0; i < shape.length; i++) last = Math.addExact(last, Math.multiplyExact(shape[i] - 1, stride[i]));
        return Math.addExact(last, 1);
    }

    /** The same elements of the same storage: reading both gives equal values without reading either. */
    public boolean sameView(TorchTensor o) {
        return storage.equals(o.storage) && dtype == o.dtype && offset == o.offset && Arrays.equals(shape, o.shape)
                && Arrays.equals(stride, o.stride);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TorchTensor t && sameView(t);
    }

    @Override
    public int hashCode() {
        return 31 * storage.hashCode() + Arrays.hashCode(shape) + Long.hashCode(offset);
    }

    @Override
    public String toString() {
        return dtype.dtypeName() + Arrays.toString(shape);
    }
}
