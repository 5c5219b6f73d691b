package org.rat4j.bench;

import org.junit.jupiter.api.Test;

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
        assertEquals(-1, MixerSpec.parse("ratplusn-8-4").pattern().dilation());
        assertEquals(64, MixerSpec.parse("rat64").sequenceMultiple());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MixerSpec.parse("mamba"));
        assertTrue(e.getMessage().contains("unknown mixer 'mamba'"));
    }
}
