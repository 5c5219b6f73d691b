package org.rat4j.compat;

import org.bytedeco.javacpp.Pointer;

/**
 * Keeps long loops flat in memory. ND4J arrays live in native memory that is freed only when their Java wrappers
 * are collected, and SameDiff's sessions leave a few megabytes of such wrappers behind per training step while the
 * Java heap hardly grows, so the collector rarely runs and the process swells (docs/dl4j-notes.md item 10). Loops call
 * {@link #checkpoint()} once per step: when the process has grown by more than {@link #GROWTH_BYTES} since the last
 * collection it asks for one, which in practice costs one collection every few dozen steps.
 */
public final class NativeMemory {
    /**
     * Growth of the resident set that triggers a collection. With 256 MB the process still crept up by ~150 MB per
     * 100 steps of a small model (freed blocks come back fragmented); with 64 MB it stays within ~20 MB, and a
     * collection every dozen steps costs no measurable time.
     */
    public static final long GROWTH_BYTES = 64L << 20;

    private static long baseline = -1;
    private static boolean collected;

    private NativeMemory() {
    }

    /**
     * Collects when the process grew by more than {@link #GROWTH_BYTES} since the last collection. The new baseline
     * is read at the next call, not right after {@code System.gc()}: the arrays are freed by ND4J's deallocator
     * threads after the collection returns, and a baseline read too early includes them, so every cycle would
     * allow the process to grow a little further (seen as a flaky memory test under load). It also follows the
     * resident set down whenever that shrinks.
     */
    public static synchronized void checkpoint() {
        long now = Pointer.physicalBytes();
        if (baseline < 0 || collected || now < baseline) {
            baseline = now;
            collected = false;
        } else if (now - baseline > GROWTH_BYTES) {
            System.gc();
            collected = true;
        }
    }

    /**
     * Collects now: what a loop does at a boundary where it has just released much (a validation, a checkpoint). The
     * baseline is read at the next {@link #checkpoint()}, after ND4J's deallocators ran.
     */
    public static synchronized void collect() {
        System.gc();
        collected = true;
    }

    /**
     * The fixed rhythm of a training loop ({@code train.gc_every}): after micro-batch {@code micro}, collects when it is
     * a multiple of {@code every} (0: never; the growth rule of {@link #checkpoint()} still applies). The main job
     * collects every micro-batch: at D=128 a step allocates little, and a collection per step kept the resident set
     * flattest.
     */
    public static void afterMicroBatch(long micro, int every) {
        if (every > 0 && micro % every == 0) collect();
    }
}
