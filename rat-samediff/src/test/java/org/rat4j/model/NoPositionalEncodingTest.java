package org.rat4j.model;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.rat4j.TestModels;
import org.rat4j.attention.AttentionConfig;
import org.rat4j.config.ConfigException;
import org.rat4j.ops.RotaryEmbedding;
import org.rat4j.rat.RatConfig;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code rope: none}: configs read and write it, and without positions one layer of causal attention is a function
 * of its query and the set of tokens up to it, so swapping two earlier tokens leaves every later logit unchanged,
 * which RoPE breaks.
 * (Reference agreement and decode = forward for NoPE mixers are in ReferenceModelTest and DecodeMatchesForwardTest.)
 */
class NoPositionalEncodingTest {
    @Test
    void configsReadAndWriteRopeNone() {
        ModelConfig c = ModelConfig.fromJsonText(ModelConfig.of(50, 16, 1, 4, 16, RatConfig.of(4, 2)).toJson()
                .replace("\"rope_base\" : 10000.0", "\"rope_base\" : 10000.0, \"rope\" : \"none\""));
        assertEquals(new RatConfig(4, 2, RotaryEmbedding.DEFAULT_BASE, false), c.mixer());
        assertEquals("none", c.mixer().toMap().get("rope"));
        assertNull(RatConfig.of(4, 2).toMap().get("rope"), "configs with RoPE are written as before");
        assertEquals("RAT(L=4, NoPE)", c.describeMixers());
        ConfigException e = assertThrows(ConfigException.class, () -> ModelConfig.fromJsonText(
                ModelConfig.of(50, 16, 1, 4, 16, AttentionConfig.full()).toJson().replace("\"type\" : \"attention\"",
                        "\"type\" : \"attention\", \"rope\" : \"alibi\"")));
        assertEquals("'backbone.seq_cell.rope' must be 'rope' or 'none' (no positional encoding), got 'alibi'", e.getMessage());
    }

    @Test
    void withoutPositionsAttentionIgnoresTheOrderOfEarlierTokens() {
        Map<Boolean, Double> change = new HashMap<>();
        for (boolean rope : new boolean[]{false, true}) {
            ModelConfig config = ModelConfig.of(TestModels.VOCAB, TestModels.D, 1, TestModels.HEADS, TestModels.SEQ,
                    new AttentionConfig(AttentionConfig.FULL, RotaryEmbedding.DEFAULT_BASE, rope));
            RatLanguageModel model = RatLanguageModel.initialize(config, 11, DataType.DOUBLE);
            int[][] ids = TestModels.tokens(1, TestModels.SEQ, 3);
            int[][] swapped = {ids[0].clone()};
            swapped[0][1] = ids[0][2];
            swapped[0][2] = ids[0][1];
            INDArray a = model.logits(ids);                                                   // [1, T, V]
            INDArray b = model.logits(swapped);
            double diff = 0;
            for (int t = 3; t < TestModels.SEQ; t++) {                                        // after both swapped tokens
                diff = Math.max(diff, a.get(NDArrayIndex.point(0), NDArrayIndex.point(t))
                        .sub(b.get(NDArrayIndex.point(0), NDArrayIndex.point(t)))
                        .amaxNumber().doubleValue());
            }
            change.put(rope, diff);
        }
        assertTrue(change.get(false) < 1e-12, "NoPE logits after the swap moved by " + change.get(false));
        assertTrue(change.get(true) > 1e-6, "RoPE logits after the swap moved by only " + change.get(true));
    }
}
