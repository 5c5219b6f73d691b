package org.rat4j.eval.sweep;

import org.rat4j.rat.RatConfig;
import org.rat4j.ratplus.RatPlusConfig;
import org.rat4j.ratplus.RatPlusPattern;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.config.ConfigException;
import org.rat4j.block.MixerConfig;
import org.rat4j.model.ModelConfig;
import org.rat4j.model.RatLanguageModel;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** Sweep settings and variants: a variant is the checkpoint under another pattern, sharing its weights. */
class RatPlusSweepTest {
    @Test
    void parsesSettings() {
        List<RatPlusPattern> t8 = RatPlusSweep.parse("table8");
        assertEquals(8, t8.size());
        assertEquals(new RatPlusPattern(16, 256, 4), t8.get(7));
        assertEquals(List.of(new RatPlusPattern(1, 0, 0), new RatPlusPattern(16, 0, 4), new RatPlusPattern(-1, 64, 0)),
                RatPlusSweep.parse("dense, 16:0:4, -1:64"));
        assertEquals("D=16,W=0,P=4", RatPlusSweep.label(new RatPlusPattern(16, 0, 4)));
        assertThrows(ConfigException.class, () -> RatPlusSweep.parse("0:1:1"));
        assertThrows(ConfigException.class, () -> RatPlusSweep.parse("16:x"));
        assertThrows(ConfigException.class, () -> RatPlusSweep.parse(""));
    }

    @Test
    void variantEqualsAModelBuiltWithThatPatternAndSharesTheWeights() {
        ModelConfig config = ModelConfig.of(300, 16, 2, 2, 64, RatPlusConfig.of(64, 0, 0));
        RatLanguageModel model = RatLanguageModel.initialize(config, 5, DataType.DOUBLE);
        int[][] ids = {new Random(1).ints(48, 3, 300).toArray()};

        RatLanguageModel dense = RatPlusSweep.variant(model, new RatPlusPattern(1, 0, 0));
        assertSame(model.parameters().get(RatLanguageModel.WTE), dense.parameters().get(RatLanguageModel.WTE));
        RatLanguageModel direct = RatLanguageModel.fromParameters(ModelConfig.of(300, 16, 2, 2, 64, RatPlusConfig.of(1, 0, 0)),
                model.parameters(), DataType.DOUBLE);
        assertEquals(direct.logits(ids), dense.logits(ids));

        RatLanguageModel sparse = RatPlusSweep.variant(model, new RatPlusPattern(4, 2, 1));
        assertEquals(List.of(4), ((RatPlusConfig) sparse.config().mixer()).dilation());
        assertEquals(List.of(2), ((RatPlusConfig) sparse.config().mixer()).local());
        assertEquals(List.of(1), ((RatPlusConfig) sparse.config().mixer()).initial());
        INDArray a = dense.logits(ids);
        INDArray b = sparse.logits(ids);
        assertTrue(a.sub(b).amaxNumber().doubleValue() > 1e-6, "a sparser pattern changes the logits");
        // the original model is untouched
        assertEquals(List.of(64), ((RatPlusConfig) model.config().mixer()).dilation());
    }

    @Test
    void aModelWithoutRatPlusLayersIsAClearError() {
        RatLanguageModel rat = RatLanguageModel.initialize(ModelConfig.of(300, 16, 1, 2, 64, RatConfig.of(16, 2)), 1, DataType.FLOAT);
        ConfigException e = assertThrows(ConfigException.class, () -> RatPlusSweep.variant(rat, new RatPlusPattern(1, 0, 0)));
        assertTrue(e.getMessage().startsWith("--ratplus-sweep needs a RAT+ model"), e.getMessage());
    }
}
