package org.rat4j;

import org.nd4j.linalg.api.buffer.DataType;
import org.rat4j.config.MixerConfig;
import org.rat4j.config.ModelConfig;
import org.rat4j.model.RatLanguageModel;

import java.util.LinkedHashMap;
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
        m.put("rat-L4", of(MixerConfig.rat(4, 2)));
        m.put("rat-L1", of(MixerConfig.rat(1, 2)));
        m.put("rat-L16", of(MixerConfig.rat(16, 4)));
        m.put("attention", of(MixerConfig.attention()));
        m.put("swa-W3", of(MixerConfig.swa(3)));
        m.put("rnn", of(MixerConfig.rnn()));
        m.put("hybrid-rat-swa", ModelConfig.interleaved(VOCAB, D, 2, HEADS, SEQ, MixerConfig.rat(4, 2), MixerConfig.swa(3)));
        m.put("ratplus-D4-W2-P1", of(MixerConfig.ratPlus(4, 2, 1)));
        m.put("ratplus-D4-W0-P0", of(MixerConfig.ratPlus(4, 0, 0)));
        m.put("ratplus-Dm1-W3-P2", of(MixerConfig.ratPlus(-1, 3, 2)));
        m.put("ratplus-D1", of(MixerConfig.ratPlus(1, 0, 4)));
        m.put("gated-attention", of(MixerConfig.gatedAttention()));
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
