package org.rat4j.bench;

import org.junit.jupiter.api.Test;
import org.rat4j.ratplus.RatPlusConfig;

import static org.junit.jupiter.api.Assertions.*;

class MemoryTest {
    @Test
    void outOfMemoryIsRecognised() {
        assertTrue(Memory.isOutOfMemory(new OutOfMemoryError("Java heap space")));
        assertTrue(Memory.isOutOfMemory(new RuntimeException("Failed to allocate 8589934592 bytes from HOST memory")));
        assertTrue(Memory.isOutOfMemory(new IllegalStateException("op failed", new RuntimeException("std::bad_alloc"))));
        assertTrue(Memory.isOutOfMemory(new RuntimeException(new OutOfMemoryError(
                "Cannot allocate new FloatPointer(100): totalBytes = 1G, physicalBytes = 19G"))));
        assertTrue(Memory.isOutOfMemory(new RuntimeException("Physical memory usage is too high: physicalBytes (19G) > maxPhysicalBytes (18G)")));
    }

    @Test
    void otherFailuresAreNot() {
        assertFalse(Memory.isOutOfMemory(new IllegalArgumentException("shapes [2,3] and [4,5] do not match")));
        assertFalse(Memory.isOutOfMemory(new RuntimeException((String) null)));
        assertFalse(Memory.isOutOfMemory(new ArithmeticException("/ by zero")));
    }

    @Test
    void describeNamesTheRootCause() {
        String d = Memory.describe(new RuntimeException("outer", new IllegalStateException("inner\n  detail")));
        assertEquals("IllegalStateException: inner detail", d);
    }

    @Test
    void memoryModelGrowsWithScoresAndExtrapolates() {
        MixerSpec attn = MixerSpec.parse("attention");
        long small = MemoryModel.estimate(Modes.PREFILL, attn, 1024, 8, 4, 4096);
        long large = MemoryModel.estimate(Modes.PREFILL, attn, 1024, 8, 1, 16384);
        assertTrue(large > small, "B·T fixed: the [T, T] scores grow with T");
        assertTrue(large > 18L * Memory.GIB, "attention prefill at T=16384 cannot fit 18 GiB (8 GiB per score tensor)");
        // extrapolation scales the measured growth by the modelled ratio
        long measured = MemoryModel.BASE + Memory.GIB;
        long next = MemoryModel.extrapolate(measured, Modes.PREFILL, attn, 1024, 8, 4, 4096, 2, 8192);
        double ratio = MemoryModel.iterationBytes(Modes.PREFILL, attn, 1024, 8, 2, 8192)
                / MemoryModel.iterationBytes(Modes.PREFILL, attn, 1024, 8, 4, 4096);
        assertEquals(MemoryModel.BASE + 1.1 * Memory.GIB * ratio, next, 1e6);
    }

    @Test
    void mixerLabels() {
        assertEquals("swa1024", MixerSpec.parse("swa").label());
        assertEquals("rat16", MixerSpec.parse("RAT").label());
        assertEquals(-1, ((RatPlusConfig) MixerSpec.parse("ratplusn-8-4").cell()).patternFor(0).dilation());
        assertEquals(64, MixerSpec.parse("rat64").sequenceMultiple());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MixerSpec.parse("mamba"));
        assertTrue(e.getMessage().contains("unknown mixer 'mamba'"));
    }

    @Test
    void sizesParseLikeTheJvmsOptions() {
        assertEquals(6L * Memory.GIB, Memory.parseSize("6g"));
        assertEquals(512L << 20, Memory.parseSize("512M"));
        assertEquals(2048, Memory.parseSize("2k"));
        assertEquals(1000, Memory.parseSize("1000"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Memory.parseSize("six"));
        assertTrue(e.getMessage().contains("6g"), e.getMessage());
    }

    /** Attention's decode cache at B=256, T=4096, D=1024 is 8 GiB: its worker gets 8/0.8 + 1 = 11 GiB of heap. */
    @Test
    void workerHeapGrowsForLargeDecodeCachesWithinTheBudget() {
        SuiteConfig cfg = SuiteConfig.named("default");
        LayerSuite suite = new LayerSuite(cfg, null, java.nio.file.Path.of("."), "6g", System.out);
        java.util.List<WorkerTask.CaseSpec> small = java.util.List.of(new WorkerTask.CaseSpec(Modes.GEN_BATCH, "attention", 1024, 8, 16, 4096));
        assertEquals("6g", suite.heapFor(small));
        java.util.List<WorkerTask.CaseSpec> large = java.util.List.of(
                new WorkerTask.CaseSpec(Modes.GEN_BATCH, "attention", 1024, 8, 16, 4096),
                new WorkerTask.CaseSpec(Modes.GEN_BATCH, "attention", 1024, 8, 256, 4096));
        long cache = MemoryModel.heapBytes(Modes.GEN_BATCH, MixerSpec.parse("attention"), 1024, 256, 4096);
        assertEquals(8.0, cache / (double) Memory.GIB, 0.01);
        assertEquals(((long) (cache / Worker.HEAP_FRACTION) + Memory.GIB) >> 20, Memory.parseSize(suite.heapFor(large)) >> 20);
        cfg.memoryBudget = 12 * Memory.GIB;                                   // capped: budget less the native margin
        assertEquals(8L * Memory.GIB, Memory.parseSize(suite.heapFor(large)));
    }
}
