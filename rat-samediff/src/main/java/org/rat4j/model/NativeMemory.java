package org.rat4j.model;

import org.bytedeco.javacpp.Pointer;

/**
 * Keeps long loops flat in memory. ND4J arrays live in native memory that is freed only when their Java wrappers
 * are collected, and SameDiff's sessions leave a few megabytes of such wrappers behind per training step while the
 * Java heap hardly grows, so the collector rarely runs and the process swells (docs/dl4j-notes.md). Loops call
 * {@link #checkpoint()} once per step: when the process has grown by more than {@link #GROWTH_BYTES} since the last
 * collection it asks for one, which in practice costs one collection every few dozen steps.
 */
public final class NativeMemory {
    /** Growth of the resident set that triggers a collection. */
    public static final long GROWTH_BYTES = 256L << 20;

    private static long baseline = -1;

    private NativeMemory() {
    }

    /** Collects when the process grew by more than {@link #GROWTH_BYTES} since the last collection. */
    public static synchronized void checkpoint() {
        long now = Pointer.physicalBytes();
        if (baseline < 0) {
            baseline = now;
        } else if (now - baseline > GROWTH_BYTES) {
            System.gc();
            baseline = Pointer.physicalBytes();
        }
    }
}
