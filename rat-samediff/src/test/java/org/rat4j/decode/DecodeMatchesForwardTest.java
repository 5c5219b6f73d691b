package org.rat4j.decode;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.rat4j.TestModels;
import org.rat4j.attention.AttentionConfig;
import org.rat4j.kernels.StepGemm;
import org.rat4j.model.ModelConfig;
import org.rat4j.model.RatLanguageModel;

import java.util.Arrays;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Invariant I1: prefill + step-by-step decoding reproduces the parallel forward, in float64, for every layer type. */
class DecodeMatchesForwardTest {

    static Stream<Arguments> configs() {
        return TestModels.all().entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void prefillThenStepsEqualsParallelForward(String name, ModelConfig config) {
        RatLanguageModel model = TestModels.model(config, 7);
        int[][] ids = TestModels.tokens(2, TestModels.SEQ, 11);
        INDArray full = model.logits(ids);                                          // [2, T, V]

        // Sequence 0 starts from a prefill of 1 token (a chunk start), sequence 1 from 5 (mid-chunk for L=4);
        // a third run prefills 8 (a chunk boundary).
        for (int[] lengths : new int[][]{{1, 5}, {8, 8}}) {
            Decoder dec = new Decoder(model, 2, TestModels.SEQ);
            int[][] prompts = {Arrays.copyOf(ids[0], lengths[0]), Arrays.copyOf(ids[1], lengths[1])};
            INDArray logits = dec.prefill(prompts);
            for (int b = 0; b < 2; b++) assertClose(full, b, lengths[b] - 1, logits.getRow(b), name + " prefill");
            // Step both sequences until the shorter-started one reaches T; each at its own position.
            int steps = TestModels.SEQ - Math.max(lengths[0], lengths[1]);
            for (int s = 0; s < steps; s++) {
                int[] pos = dec.positions();
                int[] next = {ids[0][pos[0]], ids[1][pos[1]]};
                INDArray l = dec.step(next);
                for (int b = 0; b < 2; b++) assertClose(full, b, pos[b], l.getRow(b), name + " step at " + pos[b]);
            }
        }
    }

    /** The same at a batch where the step's projections run column-major (StepGemm.COLUMN_MAJOR_BATCH). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void largeBatchDecodeEqualsParallelForward(String name, ModelConfig config) {
        int batch = StepGemm.COLUMN_MAJOR_BATCH + 1;
        RatLanguageModel model = TestModels.model(config, 7);
        int[][] ids = TestModels.tokens(batch, TestModels.SEQ, 13);
        INDArray full = model.logits(ids);                                          // [B, T, V]
        Decoder dec = new Decoder(model, batch, TestModels.SEQ);
        int[][] prompts = new int[batch][];
        for (int b = 0; b < batch; b++) prompts[b] = Arrays.copyOf(ids[b], 1 + b % (TestModels.SEQ / 2));
        INDArray logits = dec.prefill(prompts);
        for (int b = 0; b < batch; b++) assertClose(full, b, prompts[b].length - 1, logits.getRow(b), name + " prefill");
        for (int s = 0; s < TestModels.SEQ / 2; s++) {
            int[] pos = dec.positions();
            int[] next = new int[batch];
            for (int b = 0; b < batch; b++) next[b] = ids[b][pos[b]];
            INDArray l = dec.step(next);
            for (int b = 0; b < batch; b++) assertClose(full, b, pos[b], l.getRow(b), name + " step at " + pos[b]);
        }
    }

    /**
     * Prompts longer than the attention prefill's block of tokens (several blocks plus a partial one; with a window,
     * a prompt whose oldest tokens fall out of it), then steps to the end.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("longPromptConfigs")
    void longPromptPrefillEqualsParallelForward(String name, ModelConfig config) {
        int seqLen = config.seqLen();
        RatLanguageModel model = TestModels.model(config, 7);
        int[][] ids = TestModels.tokens(2, seqLen, 17);
        INDArray full = model.logits(ids);
        Decoder dec = new Decoder(model, 2, seqLen);
        int[][] prompts = {Arrays.copyOf(ids[0], seqLen - 6), Arrays.copyOf(ids[1], 33)};
        INDArray logits = dec.prefill(prompts);
        for (int b = 0; b < 2; b++) assertClose(full, b, prompts[b].length - 1, logits.getRow(b), name + " prefill");
        for (int s = 0; s < 5; s++) {
            int[] pos = dec.positions();
            INDArray l = dec.step(new int[]{ids[0][pos[0]], ids[1][pos[1]]});
            for (int b = 0; b < 2; b++) assertClose(full, b, pos[b], l.getRow(b), name + " step at " + pos[b]);
        }
    }

    static Stream<Arguments> longPromptConfigs() {
        int seqLen = 80;
        return Stream.of(
                Arguments.of("attention-T80", ModelConfig.of(TestModels.VOCAB, TestModels.D, 1, TestModels.HEADS, seqLen, AttentionConfig.full())),
                Arguments.of("swa-W5-T80", ModelConfig.of(TestModels.VOCAB, TestModels.D, 1, TestModels.HEADS, seqLen, AttentionConfig.sliding(5))));
    }

    private static void assertClose(INDArray full, int b, int t, INDArray got, String what) {
        INDArray want = full.get(NDArrayIndex.point(b), NDArrayIndex.point(t), NDArrayIndex.all());
        double err = want.sub(got.reshape(want.shape())).amaxNumber().doubleValue();
        double scale = want.amaxNumber().doubleValue();
        assertTrue(err <= 1e-10 * Math.max(1.0, scale), what + " (seq " + b + "): max |diff| = " + err);
    }
}
