package org.rat4j.decode;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.TestModels;
import org.rat4j.attention.AttentionConfig;
import org.rat4j.block.MixerConfig;
import org.rat4j.config.ConfigException;
import org.rat4j.model.ModelConfig;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.rat.RatConfig;
import org.rat4j.ratplus.RatPlusConfig;
import org.rat4j.rnn.RnnConfig;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Greedy decoding equals the argmax of the parallel forward; sampling options behave as specified. */
class GenerationTest {

    @Test
    void greedyEqualsArgmaxOfTheFullForward() {
        for (MixerConfig cell : List.of(RatConfig.of(4, 2), AttentionConfig.full(), AttentionConfig.sliding(3), new RnnConfig(),
                RatPlusConfig.of(4, 2, 1))) {
            RatLanguageModel model = TestModels.model(TestModels.of(cell), 5);
            int[][] ids = TestModels.tokens(2, 7, 9);
            List<int[]> prompts = List.of(Arrays.copyOf(ids[0], 3), ids[1]);
            List<int[]> out = new Generator(model).generate(prompts, 9, SamplingConfig.greedy(), false);
            for (int b = 0; b < 2; b++) {
                int[] all = Generator.concat(prompts.get(b), out.get(b));
                assertEquals(prompts.get(b).length + 9, all.length);
                int padded = (all.length + 3) / 4 * 4;
                INDArray logits = model.logits(new int[][]{Arrays.copyOf(all, padded)}).slice(0);    // [T, V]
                for (int t = prompts.get(b).length - 1; t < all.length - 1; t++) {
                    assertEquals(Sampler.argmax(logits.getRow(t).toDoubleVector()), all[t + 1],
                            cell.type() + " sequence " + b + " position " + t);
                }
            }
        }
    }

    @Test
    void stopsAtEos() {
        // A model whose final norm is zero has all-zero logits, so greedy picks id 0; make 0 the EOS id.
        ModelConfig c = new ModelConfig(TestModels.VOCAB, 16, 1, 4, 16, true, 0.02, 1e-6, 4, 1, AttentionConfig.full(), null, 0);
        RatLanguageModel model = RatLanguageModel.initialize(c, 1, org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        model.parameters().get(RatLanguageModel.FINAL_NORM).assign(0);
        List<int[]> out = new Generator(model).generate(List.of(new int[]{5, 6}, new int[]{7}), 10, SamplingConfig.greedy(), true);
        assertArrayEquals(new int[]{0}, out.get(0));
        assertArrayEquals(new int[]{0}, out.get(1));
        List<int[]> all = new Generator(model).generate(List.of(new int[]{5}), 4, SamplingConfig.greedy(), false);
        assertArrayEquals(new int[]{0, 0, 0, 0}, all.get(0));
    }

    @Test
    void samplingFollowsTheDistribution() {
        double[] logits = {Math.log(1), Math.log(2), Math.log(3), Math.log(4)};   // p = 0.1, 0.2, 0.3, 0.4
        int[] counts = count(new SamplingConfig(1.0, 0, 1.0, 7), logits, 40000);
        double[] p = {0.1, 0.2, 0.3, 0.4};
        for (int i = 0; i < 4; i++) assertEquals(p[i], counts[i] / 40000.0, 0.01, "token " + i);
        // top-k = 2 keeps tokens 3 and 2, renormalised to 4/7 and 3/7.
        int[] k2 = count(new SamplingConfig(1.0, 2, 1.0, 7), logits, 40000);
        assertEquals(0, k2[0] + k2[1]);
        assertEquals(4.0 / 7, k2[3] / 40000.0, 0.01);
        // top-p = 0.7 keeps the shortest prefix reaching 0.7: tokens 3 and 2.
        int[] p7 = count(new SamplingConfig(1.0, 0, 0.7, 7), logits, 20000);
        assertEquals(0, p7[0] + p7[1]);
        // Temperature 0.5 squares the odds: p ∝ 1, 4, 9, 16.
        int[] t5 = count(new SamplingConfig(0.5, 0, 1.0, 7), logits, 40000);
        assertEquals(16.0 / 30, t5[3] / 40000.0, 0.01);
        // top-k = 1 and tiny top-p are greedy.
        assertEquals(40000, count(new SamplingConfig(1.0, 1, 1.0, 7), logits, 40000)[3]);
        assertEquals(1000, count(new SamplingConfig(1.0, 0, 0.01, 7), logits, 1000)[3]);
    }

    @Test
    void seedsMakeSamplesReproducible() {
        RatLanguageModel model = TestModels.model(TestModels.of(RatConfig.of(4, 2)), 5);
        List<int[]> prompts = List.of(new int[]{1, 2, 3}, new int[]{4});
        SamplingConfig s = new SamplingConfig(1.0, 10, 0.9, 42);
        List<int[]> a = new Generator(model).generate(prompts, 12, s, false);
        List<int[]> b = new Generator(model).generate(prompts, 12, s, false);
        assertArrayEquals(a.get(0), b.get(0));
        assertArrayEquals(a.get(1), b.get(1));
        // A sequence's sample does not depend on the other prompts of its batch.
        assertArrayEquals(a.get(0), new Generator(model).generate(List.of(prompts.get(0)), 12, s, false).get(0));
        List<int[]> c = new Generator(model).generate(prompts, 12, new SamplingConfig(1.0, 10, 0.9, 43), false);
        assertFalse(Arrays.equals(a.get(0), c.get(0)) && Arrays.equals(a.get(1), c.get(1)));
    }

    @Test
    void badSamplingOptionsAreRejected() {
        assertThrows(ConfigException.class, () -> new SamplingConfig(-1, 0, 1, 0));
        assertThrows(ConfigException.class, () -> new SamplingConfig(1, -2, 1, 0));
        assertThrows(ConfigException.class, () -> new SamplingConfig(1, 0, 0, 0));
        RatLanguageModel model = TestModels.model(TestModels.of(RatConfig.of(4, 2)), 5);
        assertThrows(ConfigException.class, () -> new Generator(model).generate(List.of(new int[0]), 3, SamplingConfig.greedy(), true));
    }

    private static int[] count(SamplingConfig config, double[] logits, int draws) {
        Sampler s = new Sampler(config, 0);
        int[] c = new int[logits.length];
        for (int i = 0; i < draws; i++) c[s.next(logits)]++;
        return c;
    }
}
