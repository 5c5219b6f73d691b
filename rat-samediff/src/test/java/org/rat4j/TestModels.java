package org.rat4j;

import org.rat4j.ops.RotaryEmbedding;
import org.nd4j.linalg.api.buffer.DataType;
import org.rat4j.attention.AttentionConfig;
import org.rat4j.block.MixerConfig;
import org.rat4j.model.ModelConfig;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.rat.RatConfig;
import org.rat4j.ratplus.RatPlusConfig;
import org.rat4j.rnn.RnnConfig;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Small model configs covering every mixer, shared by the tests. */
public final class TestModels {
    public static final int VOCAB = 50;
    public static final int D = 16;
    public static final int HEADS = 4;
    public static final int SEQ = 16;

    private TestModels() {
    }

    public static ModelConfig of(MixerConfig cell) {
        return ModelConfig.of(VOCAB, D, 2, HEADS, SEQ, cell);
    }

    /** One config per layer type and a few RAT+ patterns. */
    public static Map<String, ModelConfig> all() {
        Map<String, ModelConfig> m = new LinkedHashMap<>();
        m.put("rat-L4", of(RatConfig.of(4, 2)));
        m.put("rat-L1", of(RatConfig.of(1, 2)));
        m.put("rat-L16", of(RatConfig.of(16, 4)));
        m.put("attention", of(AttentionConfig.full()));
        m.put("swa-W3", of(AttentionConfig.sliding(3)));
        m.put("rnn", of(new RnnConfig()));
        m.put("hybrid-rat-swa", ModelConfig.interleaved(VOCAB, D, 2, HEADS, SEQ, RatConfig.of(4, 2), AttentionConfig.sliding(3)));
        m.put("ratplus-D4-W2-P1", of(RatPlusConfig.of(4, 2, 1)));
        m.put("ratplus-D4-W0-P0", of(RatPlusConfig.of(4, 0, 0)));
        m.put("ratplus-Dm1-W3-P2", of(RatPlusConfig.of(-1, 3, 2)));
        m.put("ratplus-D1", of(RatPlusConfig.of(1, 0, 4)));
        m.put("gated-attention", of(RatPlusConfig.gatedAttention()));
        // No positional encoding (rope: none): the length-generalisation setting of the evaluation.
        m.put("rat-L4-nope", of(new RatConfig(4, 2, RotaryEmbedding.DEFAULT_BASE, false)));
        m.put("attention-nope", of(new AttentionConfig(AttentionConfig.FULL, RotaryEmbedding.DEFAULT_BASE, false)));
        m.put("swa-W3-nope", of(new AttentionConfig(3, RotaryEmbedding.DEFAULT_BASE, false)));
        m.put("ratplus-D4-W2-P1-nope", of(new RatPlusConfig(List.of(4), List.of(2), List.of(1), true, false,
                RotaryEmbedding.DEFAULT_BASE, false)));
        return m;
    }

    public static RatLanguageModel model(ModelConfig c, long seed) {
        return RatLanguageModel.initialize(c, seed, DataType.DOUBLE);
    }

    /** Random ids in [0, VOCAB). */
    public static int[][] tokens(int batch, int len, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[][] ids = new int[batch][len];
        for (int[] row : ids) for (int t = 0; t < len; t++) row[t] = r.nextInt(VOCAB);
        return ids;
    }
}
