package org.rat4j.kernels;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

class Bf16Test {
    /** Round to nearest, ties to even, on the 16 bits below the bfloat16 (hand-computed bit patterns). */
    @Test
    void roundsToNearestEven() {
        assertEquals((short) 0x3F80, Bf16.fromFloat(1.0f));
        assertEquals((short) 0x3F80, Bf16.fromFloat(1.00390625f));      // 1 + 2^-8: a tie, the even neighbour is 1
        assertEquals((short) 0x3F82, Bf16.fromFloat(1.01171875f));      // 1 + 3·2^-8: a tie, rounds up to 1 + 2^-6
        assertEquals((short) 0x3F81, Bf16.fromFloat(1.005f));           // above the tie: up to 1 + 2^-7
        assertEquals((short) 0xBF80, Bf16.fromFloat(-1.0f));
        assertEquals(1.0078125f, Bf16.toFloat((short) 0x3F81));
        assertTrue(Float.isNaN(Bf16.toFloat(Bf16.fromFloat(Float.NaN))));
        assertEquals(Float.POSITIVE_INFINITY, Bf16.toFloat(Bf16.fromFloat(Float.MAX_VALUE)));   // rounds past the top
        // 1/3 = 1.0101010|1010... × 2^-2: the bits after the 7 kept are above half, so it rounds up to 1.0101011 × 2^-2
        assertEquals(0.333984375, Bf16.round(1.0 / 3), 0.0);
    }

    /** A bfloat16 store attends as a float32 store holding the same rounded numbers, in half the memory. */
    @Test
    void bf16SlotsAttendLikeFloatSlotsOfTheRoundedNumbers() {
        int batch = 2, heads = 2, slots = 300, d = 4;                                     // two pages, one partial
        KeyValueSlots bf = new KeyValueSlots(batch, heads, slots, d, DataType.BFLOAT16);
        KeyValueSlots fl = new KeyValueSlots(batch, heads, slots, d, DataType.FLOAT);
        SplittableRandom r = new SplittableRandom(3);
        for (int b = 0; b < batch; b++) {
            for (int s = 0; s < slots; s++) {
                double[] k = new double[heads * d];
                double[] v = new double[heads * d];
                for (int i = 0; i < k.length; i++) {
                    k[i] = r.nextGaussian();
                    v[i] = r.nextGaussian();
                }
                bf.write(b, s, k, v, 0);
                Bf16.round(k, 0, k.length);
                Bf16.round(v, 0, v.length);
                fl.write(b, s, k, v, 0);
            }
        }
        double[] q = new double[batch * heads * d];
        for (int i = 0; i < q.length; i++) q[i] = r.nextGaussian();
        double[] a = bf.attend(q);
        double[] e = fl.attend(q);
        for (int i = 0; i < a.length; i++) assertEquals(e[i], a[i], 1e-6, "element " + i);
        assertEquals(fl.allocatedBytes(), 2 * bf.allocatedBytes());
        assertEquals(2L * batch * heads * 2 * KeyValueSlots.PAGE * d * 4, fl.allocatedBytes());   // k and v, 2 pages, float32
    }
}
