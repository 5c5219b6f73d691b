package org.rat4j.decode;

import org.rat4j.rat.RatConfig;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.TestModels;
import org.rat4j.config.ConfigException;
import org.rat4j.block.MixerConfig;
import org.rat4j.cli.LogCapture;
import org.rat4j.model.RatLanguageModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The generation controls a library user drives: the per-token listener, the repetition penalty and stop conditions. */
class GenerationControlTest {
    private static final RatLanguageModel MODEL = TestModels.model(TestModels.of(RatConfig.of(4, 2)), 5);

    @Test
    void repetitionPenaltyDividesPositiveAndMultipliesNegativeSeenLogits() {
        double[] logits = {2.0, -1.0, 0.5, 0.0, -3.0, 4.0};
        BitSet seen = new BitSet();
        seen.set(0);
        seen.set(1);
        seen.set(3);
        seen.set(9);                                    // an id past the vocabulary is ignored
        RepetitionPenalty.apply(logits, 2.0, seen);
        // 2/2 = 1, -1·2 = -2, 0 stays 0 (0/2); unseen 0.5, -3 and 4 are untouched.
        assertArrayEquals(new double[]{1.0, -2.0, 0.5, 0.0, -3.0, 4.0}, logits);
        RepetitionPenalty.apply(logits, 0.5, seen);     // a penalty below 1 rewards seen tokens: 1/0.5 = 2, -2·0.5 = -1
        assertArrayEquals(new double[]{2.0, -1.0, 0.5, 0.0, -3.0, 4.0}, logits);
        RepetitionPenalty.apply(logits, 1.0, seen);
        assertArrayEquals(new double[]{2.0, -1.0, 0.5, 0.0, -3.0, 4.0}, logits);
        for (double bad : new double[]{0, -1.2, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThrows(ConfigException.class, () -> RepetitionPenalty.require(bad), "penalty " + bad);
        }
    }

    @Test
    void penalisedGreedyDecodingEqualsAHandLoopOverTheFullForward() {
        int[] prompt = {3, 7, 7, 12, 3};
        int[] unpenalised = new Generator(MODEL).generate(List.of(prompt), 8, SamplingConfig.greedy(), false).get(0);
        List<int[]> results = new ArrayList<>();
        for (boolean includePrompt : new boolean[]{false, true}) {
            GenerationSettings s = GenerationSettings.of(8, SamplingConfig.greedy()).withStopAtEos(false)
                    .withRepetitionPenalty(1.7, includePrompt);
            int[] got = new Generator(MODEL).generate(List.of(prompt), s, TokenListener.NONE).get(0).tokens();
            results.add(got);
            // The reference loop: logits of the whole sequence so far, penalty on the seen ids, argmax.
            List<Integer> all = new ArrayList<>();
            for (int t : prompt) all.add(t);
            BitSet seen = new BitSet();
            if (includePrompt) for (int t : prompt) seen.set(t);
            for (int i = 0; i < 8; i++) {
                int[] ids = all.stream().mapToInt(Integer::intValue).toArray();
                int padded = (ids.length + 3) / 4 * 4;
                INDArray logits = MODEL.logits(new int[][]{Arrays.copyOf(ids, padded)}).slice(0);    // [T, V]
                double[] row = logits.getRow(ids.length - 1).toDoubleVector();
                RepetitionPenalty.apply(row, 1.7, seen);
                int next = Sampler.argmax(row);
                assertEquals(next, got[i], "includePrompt " + includePrompt + ", token " + i);
                all.add(next);
                seen.set(next);
            }
        }
        // With these weights the penalty matters, and which tokens count as seen does too.
        assertFalse(Arrays.equals(unpenalised, results.get(0)), Arrays.toString(unpenalised));
        assertFalse(Arrays.equals(results.get(0), results.get(1)), Arrays.toString(results.get(0)));
    }

    @Test
    void listenerSeesEveryTokenOnceInOrderThenTheFinish() {
        List<int[]> prompts = List.of(new int[]{1, 2, 3}, new int[]{4}, new int[]{9, 9});
        // The first prompt stops at a token-space stop condition after its third token; the others run to the budget.
        GenerationSettings s = GenerationSettings.of(6, new SamplingConfig(1.0, 0, 1.0, 11)).withStopAtEos(false)
                .withStop((seq, generated, length) -> seq == 0 && length == 3);
        List<List<Integer>> seen = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        FinishReason[] finished = new FinishReason[3];
        List<Integer> steps = new ArrayList<>();
        List<Generation> out = new Generator(MODEL).generate(prompts, s, new TokenListener() {
            @Override
            public void onToken(int sequence, int token) {
                assertNull(finished[sequence], "a token after the finish of sequence " + sequence);
                seen.get(sequence).add(token);
            }

            @Override
            public void onFinish(int sequence, FinishReason reason) {
                assertNull(finished[sequence], "finished twice: " + sequence);
                finished[sequence] = reason;
            }

            @Override
            public void onStep(int step) {
                steps.add(step);
            }
        });
        for (int b = 0; b < 3; b++) {
            assertArrayEquals(out.get(b).tokens(), seen.get(b).stream().mapToInt(Integer::intValue).toArray(), "sequence " + b);
            assertEquals(out.get(b).finish(), finished[b]);
        }
        assertEquals(3, out.get(0).tokens().length);
        assertEquals(FinishReason.STOP, out.get(0).finish());
        assertEquals(6, out.get(1).tokens().length);
        assertEquals(FinishReason.LENGTH, out.get(1).finish());
        assertEquals(List.of(1, 2, 3, 4, 5, 6), steps);
        // The listener and the stop condition do not change what is sampled.
        List<int[]> plain = new Generator(MODEL).generate(prompts, 6, new SamplingConfig(1.0, 0, 1.0, 11), false);
        assertArrayEquals(Arrays.copyOf(plain.get(0), 3), out.get(0).tokens());
        assertArrayEquals(plain.get(2), out.get(2).tokens());
    }

    @Test
    void stopTokenSequencesEndAtTheirFirstOccurrence() {
        int[] prompt = {5, 1, 8};
        int[] free = new Generator(MODEL).generate(List.of(prompt), 12, SamplingConfig.greedy(), false).get(0);
        int[] stop = {free[4], free[5]};
        int end = -1;
        for (int i = 1; i < free.length && end < 0; i++) if (free[i - 1] == stop[0] && free[i] == stop[1]) end = i + 1;
        GenerationSettings s = GenerationSettings.of(12, SamplingConfig.greedy()).withStopAtEos(false)
                .withStop(StopCondition.tokens(List.of(new int[]{49, 49, 49}, stop)));
        Generation g = new Generator(MODEL).generate(List.of(prompt), s, TokenListener.NONE).get(0);
        assertArrayEquals(Arrays.copyOf(free, end), g.tokens());
        assertEquals(FinishReason.STOP, g.finish());
        assertThrows(ConfigException.class, () -> StopCondition.tokens(List.of(new int[0])));
    }

    @Test
    void samplingStreamsFollowTheCallersIndex() {
        // Prompt 1 of a list run alone with firstIndex 1 samples what it samples as the second prompt of a batch.
        List<int[]> prompts = List.of(new int[]{1, 2}, new int[]{6, 3, 2});
        GenerationSettings s = GenerationSettings.of(7, new SamplingConfig(1.0, 0, 1.0, 5)).withStopAtEos(false);
        List<Generation> both = new Generator(MODEL).generate(prompts, s, TokenListener.NONE);
        Generation second = new Generator(MODEL).generate(List.of(prompts.get(1)), s, TokenListener.NONE, 1).get(0);
        assertArrayEquals(both.get(1).tokens(), second.tokens());
    }

    @Test
    void generatingPastSeqLenIsWarnedOncePerGenerator() {
        Generator generator = new Generator(MODEL);                                     // seq_len 16
        try (LogCapture log = new LogCapture()) {
            generator.generate(List.of(new int[]{3, 7, 7, 12}), 8, SamplingConfig.greedy(), false);     // ends at 12
            assertTrue(log.warnings().isEmpty(), log.warnings().toString());
            for (int i = 0; i < 3; i++) generator.generate(List.of(new int[]{3, 7, 7, 12}), 14, SamplingConfig.greedy(), false);
            assertEquals(1, log.warnings().size(), log.warnings().toString());
            assertTrue(log.warned("a prompt of 4 tokens plus 14 new tokens reaches position 18, past the model's seq_len 16"),
                    log.warnings().toString());
            new Generator(MODEL).generate(List.of(new int[]{3, 7}), 20, SamplingConfig.greedy(), false);
            assertEquals(2, log.warnings().size(), "a new generator warns again: " + log.warnings());
        }
    }
}
