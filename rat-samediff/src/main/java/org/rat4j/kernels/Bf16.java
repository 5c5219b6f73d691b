package org.rat4j.kernels;

/**
 * bfloat16, the number format the papers' code keeps its decode caches and recurrent states in (the top 16 bits of a
 * float32: same range, 8 bits of mantissa): conversion with round-to-nearest-even, as PyTorch's
 * {@code tensor.to(torch.bfloat16)} does.
 */
public final class Bf16 {
    private Bf16() {
    }

    /** The nearest bfloat16 (ties to even), as its 16 bits. NaN stays NaN. */
    public static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    public static float toFloat(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
    }

    /** {@code x} rounded to the nearest bfloat16 (through float32, as a float32 tensor cast to bfloat16 is). */
    public static double round(double x) {
        return toFloat(fromFloat((float) x));
    }

    /** Rounds {@code a[from .. from + n)} to bfloat16 in place. */
    public static void round(double[] a, int from, int n) {
        for (int i = from; i < from + n; i++) a[i] = round(a[i]);
    }
}
