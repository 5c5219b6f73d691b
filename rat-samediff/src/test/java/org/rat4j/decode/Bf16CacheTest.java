package org.rat4j.decode;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.TestModels;
import org.rat4j.model.ModelConfig;
import org.rat4j.model.RatLanguageModel;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/**
 * bfloat16 decode caches and recurrent states (the papers' decode numerics): the logits stay within bfloat16
 * rounding of float32 caches, differ from them (the option does something), and the caches take half the memory.
 */
class Bf16CacheTest {
    @ParameterizedTest
    @ValueSource(strings = {"rat-L4", "attention", "swa-W3", "rnn", "ratplus-D4-W2-P1", "hybrid-rat-swa"})
    void bf16CachesStayWithinRoundingOfFloat32(String name) {
        ModelConfig config = TestModels.all().get(name);
        RatLanguageModel model = RatLanguageModel.initialize(config, 7, DataType.FLOAT);
        int[][] ids = TestModels.tokens(2, TestModels.SEQ, 5);
        double worst = 0;
        double scale = 0;
        long[] bytes = new long[2];
        for (int run = 0; run < 2; run++) {
            DataType state = run == 0 ? DataType.FLOAT : DataType.BFLOAT16;
            Decoder a = new Decoder(model, 2, TestModels.SEQ, state);
            INDArray la = a.prefill(new int[][]{Arrays.copyOf(ids[0], 3), Arrays.copyOf(ids[1], 5)});
            for (int t = 5; t < TestModels.SEQ; t++) la = a.step(new int[]{ids[0][t - 2], ids[1][t]});
            bytes[run] = a.allocatedBytes();
            if (run == 0) {
                scale = la.amaxNumber().doubleValue();
                Decoder b = new Decoder(model, 2, TestModels.SEQ, DataType.BFLOAT16);
                INDArray lb = b.prefill(new int[][]{Arrays.copyOf(ids[0], 3), Arrays.copyOf(ids[1], 5)});
                for (int t = 5; t < TestModels.SEQ; t++) lb = b.step(new int[]{ids[0][t - 2], ids[1][t]});
                worst = la.sub(lb).amaxNumber().doubleValue();
            }
        }
        // bfloat16 keeps 8 bits of mantissa (relative rounding 2^-9); through a few layers the logits move by far
        // less than 1% of their size, and by more than float32 rounding.
        assertTrue(worst < 1e-2 * scale, name + ": bf16 caches moved the logits by " + worst + " of " + scale);
        assertTrue(worst > 1e-6 * scale, name + ": bf16 caches changed nothing (" + worst + ")");
        assertEquals(bytes[0], 2 * bytes[1], name + ": cache bytes float32 " + bytes[0] + ", bf16 " + bytes[1]);
    }
}
