package org.rat4j.model;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.TestModels;
import org.rat4j.attention.AttentionConfig;
import org.rat4j.block.MixerConfig;
import org.rat4j.config.ConfigException;
import org.rat4j.decode.Decoder;
import org.rat4j.rat.RatConfig;
import org.rat4j.ratplus.RatPlusConfig;
import org.rat4j.rnn.RnnConfig;

import static org.junit.jupiter.api.Assertions.*;

/** Loss masking (I11), cache sizes (I9), and input errors of the language model. */
class LanguageModelTest {

    /** I11: the loss is the mean cross-entropy over targets that are not ignored and whose input is not EOS. */
    @Test
    void lossIgnoresTargetsAfterEos() {
        ModelConfig c = TestModels.of(RatConfig.of(4, 2));
        RatLanguageModel model = TestModels.model(c, 2);
        int[][] w = TestModels.tokens(2, TestModels.SEQ + 1, 3);
        for (int[] row : w) for (int t = 0; t < row.length; t++) if (row[t] == c.eosId()) row[t] = c.eosId() + 1;
        w[0][4] = c.eosId();
        w[1][0] = c.eosId();
        w[1][15] = c.eosId();
        TokenBatch batch = TokenBatch.fromWindows(w);
        batch.targets()[0][9] = TokenBatch.IGNORE;
        INDArray logits = model.logits(batch.inputs());
        double sum = 0;
        int n = 0;
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < TestModels.SEQ; t++) {
                if (batch.inputs()[b][t] == c.eosId() || batch.targets()[b][t] == TokenBatch.IGNORE) continue;
                double[] z = logits.slice(b).getRow(t).toDoubleVector();
                double max = java.util.Arrays.stream(z).max().orElseThrow();
                double lse = max + Math.log(java.util.Arrays.stream(z).map(v -> Math.exp(v - max)).sum());
                sum += lse - z[batch.targets()[b][t]];
                n++;
            }
        }
        assertEquals(2 * TestModels.SEQ - 4, n);
        assertEquals(sum / n, model.loss(batch), 1e-12);
    }

    /** I9: decode state per sequence matches spec §4.1 for every layer type. */
    @Test
    void cacheSizesFollowTheSpec() {
        int d = TestModels.D, cap = 64;
        assertEquals(2L * cap * d, perLayer(AttentionConfig.full(), cap));
        assertEquals(2L * (5 + 1) * d, perLayer(AttentionConfig.sliding(5), cap));
        assertEquals(d, perLayer(new RnnConfig(), cap));
        assertEquals(2L * (cap / 4) * d + 2L * d, perLayer(RatConfig.of(4, 2), cap));
        assertEquals(2L * ((cap + 15) / 16) * d + 2L * d, perLayer(RatConfig.of(16, 2), cap));
        assertEquals(2L * (4 + 8 + 1 + cap / 16) * d + 2L * d, perLayer(RatPlusConfig.of(16, 8, 4), cap));
        assertEquals(2L * (2 + 3 + 1) * d + 2L * d, perLayer(RatPlusConfig.of(-1, 3, 2), cap));
    }

    private static long perLayer(MixerConfig cell, int capacity) {
        RatLanguageModel m = TestModels.model(TestModels.of(cell), 1);
        return new Decoder(m, 1, capacity).stateElementsPerSequence() / m.config().nLayers();
    }

    @Test
    void badInputsAreNamed() {
        RatLanguageModel rat = TestModels.model(TestModels.of(RatConfig.of(4, 2)), 1);
        ConfigException t = assertThrows(ConfigException.class, () -> rat.logits(TestModels.tokens(1, 6, 1)));
        assertTrue(t.getMessage().contains("T=6 is not a multiple of the RAT chunk size L=4"), t.getMessage());
        ConfigException id = assertThrows(ConfigException.class, () -> rat.logits(new int[][]{{1, 2, 3, TestModels.VOCAB}}));
        assertTrue(id.getMessage().contains("token id " + TestModels.VOCAB + " at position 3 of sequence 0 is outside the vocabulary"), id.getMessage());
        ConfigException neg = assertThrows(ConfigException.class, () -> rat.logits(new int[][]{{-1, 2, 3, 4}}));
        assertTrue(neg.getMessage().contains("outside the vocabulary"), neg.getMessage());
        ConfigException ragged = assertThrows(ConfigException.class, () -> rat.logits(new int[][]{{1, 2, 3, 4}, {1, 2}}));
        assertTrue(ragged.getMessage().contains("pad the batch"), ragged.getMessage());
        int[][] w = TestModels.tokens(1, 5, 1);
        TokenBatch bad = new TokenBatch(new int[][]{{1, 2, 3, 4}}, new int[][]{{1, 2, 3, 999}});
        assertTrue(assertThrows(ConfigException.class, () -> rat.loss(bad)).getMessage().contains("target id 999"));
        assertEquals(4, TokenBatch.fromWindows(w).seqLen());
    }
}
