package org.rat4j.toy;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.TestModels;
import org.rat4j.decode.Decoder;
import org.rat4j.model.Gradients;
import org.rat4j.model.Mixers;
import org.rat4j.model.ModelConfig;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.model.TokenBatch;

import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A mixer added from outside the core: registered by name, read from a config, trained one gradient step, and
 * decoded step by step to the parallel forward's logits. Nothing outside this package knows it.
 */
class ToyMixerTest {
    @BeforeAll
    static void register() {
        Mixers.register(ToyConfig.TYPE, ToyConfig::read);
    }

    static ModelConfig config() {
        String json = ModelConfig.of(TestModels.VOCAB, TestModels.D, 2, TestModels.HEADS, TestModels.SEQ, new ToyConfig(0.5)).toJson();
        return ModelConfig.fromJsonText(json.replace("0.5", "0.75"));                          // read back by its type
    }

    @Test
    void readsFromConfigAndCountsItsParameters() {
        ModelConfig c = config();
        assertEquals(new ToyConfig(0.75), c.mixer());
        assertEquals("toy EMA(a=0.75)", c.describeMixers());
        long d = TestModels.D;
        long perLayer = d + 2 * d * d + d * d + (d + 2 * 4 * d * d);                            // mixer + FFN (ffn_mult 4)
        assertEquals(TestModels.VOCAB * d + d + 2 * perLayer, c.parameterCount());
    }

    @Test
    void decodeStepsReproduceTheParallelForward() {
        RatLanguageModel model = RatLanguageModel.initialize(config(), 3, DataType.DOUBLE);
        int[][] ids = TestModels.tokens(1, TestModels.SEQ, 5);
        INDArray full = model.logits(ids).reshape(TestModels.SEQ, TestModels.VOCAB);            // [T, V]
        Decoder dec = new Decoder(model, 1, TestModels.SEQ);
        INDArray first = dec.prefill(new int[][]{Arrays.copyOf(ids[0], 3)});
        double worst = first.getRow(0).sub(full.getRow(2)).amaxNumber().doubleValue();
        for (int t = 3; t < TestModels.SEQ; t++) {
            INDArray l = dec.step(new int[]{ids[0][t]});
            worst = Math.max(worst, l.getRow(0).sub(full.getRow(t)).amaxNumber().doubleValue());
        }
        assertTrue(worst < 1e-10, "decode differs from the forward by " + worst);
    }

    @Test
    void aGradientStepLowersTheLoss() {
        RatLanguageModel model = RatLanguageModel.initialize(config(), 3, DataType.DOUBLE);
        TokenBatch batch = TokenBatch.fromWindows(TestModels.tokens(2, TestModels.SEQ + 1, 9));
        double before;
        try (Gradients g = model.gradients(batch)) {
            before = g.loss();
            for (Map.Entry<String, INDArray> e : g.byName().entrySet()) model.parameters().get(e.getKey()).subi(e.getValue().mul(0.5));
        }
        assertTrue(model.loss(batch) < before - 1e-3, "loss " + before + " -> " + model.loss(batch));
    }
}
