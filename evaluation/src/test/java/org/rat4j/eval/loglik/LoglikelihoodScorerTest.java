package org.rat4j.eval.loglik;

import org.rat4j.attention.AttentionConfig;
import org.rat4j.rat.RatConfig;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.block.MixerConfig;
import org.rat4j.eval.EvalTestSupport;
import org.rat4j.model.RatLanguageModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The batched scorer against a direct computation: each request's input alone through {@code model.logits}, its
 * continuation's log-softmax taken in double precision. Batching, sorting, right padding and shared rows must not
 * change any score beyond float32 rounding.
 */
class LoglikelihoodScorerTest {
    private static final double TOL = 2e-4;

    /** log P(continuation | context) computed directly; the input padded with EOS to a multiple of {@code multiple}. */
    static double[] direct(RatLanguageModel model, int[] ctx, int[] cont, int maxLength) {
        int[] full = LoglikelihoodScorer.concat(ctx, cont);
        int[] input = Arrays.copyOfRange(full, Math.max(0, full.length - (maxLength + 1)), full.length - 1);
        int m = model.sequenceMultiple();
        int[] padded = Arrays.copyOf(input, (input.length + m - 1) / m * m);
        Arrays.fill(padded, input.length, padded.length, model.config().eosId());
        INDArray logits = model.logits(new int[][]{padded}).reshape(padded.length, -1);   // [T, V]
        double[] out = new double[cont.length];
        for (int j = 0; j < cont.length; j++) {
            int pos = input.length - cont.length + j;
            double[] row = logits.getRow(pos).toDoubleVector();
            double max = Arrays.stream(row).max().orElseThrow();
            double z = 0;
            for (double v : row) z += Math.exp(v - max);
            out[j] = row[cont[j]] - max - Math.log(z);
        }
        return out;
    }

    private static List<ContextContinuation> randomRequests(Random rnd, int n) {
        List<ContextContinuation> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int[] ctx = rnd.ints(1 + rnd.nextInt(30), 3, 32000).toArray();
            int[] cont = rnd.ints(1 + rnd.nextInt(5), 3, 32000).toArray();
            out.add(new ContextContinuation(ctx, cont));
        }
        return out;
    }

    private static void assertMatchesDirect(RatLanguageModel model, List<ContextContinuation> reqs, List<Loglikelihood> got, int maxLength) {
        for (int i = 0; i < reqs.size(); i++) {
            double[] want = direct(model, reqs.get(i).context(), reqs.get(i).continuation(), maxLength);
            assertArrayEquals(want, got.get(i).tokenLogprobs(), TOL, "request " + i);
            assertEquals(Arrays.stream(want).sum(), got.get(i).logprob(), TOL * want.length);
        }
    }

    @Test
    void batchedScoresEqualDirectOnesForAttention() {
        RatLanguageModel model = EvalTestSupport.tiny(AttentionConfig.full(), 3);
        List<ContextContinuation> reqs = randomRequests(new Random(1), 9);
        LoglikelihoodScorer scorer = new LoglikelihoodScorer(model, 64, 4, 4096);
        List<Loglikelihood> got = scorer.score(reqs, n -> { });
        assertMatchesDirect(model, reqs, got, 64);
        assertEquals(9, scorer.stats().shapes().stream().mapToInt(ForwardStats.Shape::rows).sum());
        assertEquals(3, scorer.stats().shapes().size(), "9 rows in batches of at most 4");
    }

    @Test
    void ratPaddingToTheChunkMultipleIsExact() {
        RatLanguageModel model = EvalTestSupport.tiny(RatConfig.of(16, 2), 4);
        assertEquals(16, model.sequenceMultiple());
        List<ContextContinuation> reqs = randomRequests(new Random(2), 6);
        LoglikelihoodScorer scorer = new LoglikelihoodScorer(model, 64, 3, 4096);
        assertMatchesDirect(model, reqs, scorer.score(reqs, n -> { }), 64);
        for (ForwardStats.Shape s : scorer.stats().shapes()) assertEquals(0, s.length() % 16);
    }

    @Test
    void identicalInputsShareOneRow() {
        RatLanguageModel model = EvalTestSupport.tiny(AttentionConfig.full(), 5);
        int[] ctx = {1, 100, 200, 300};
        List<ContextContinuation> reqs = List.of(new ContextContinuation(ctx, new int[]{7}), new ContextContinuation(ctx, new int[]{8}),
                new ContextContinuation(ctx, new int[]{9}));
        LoglikelihoodScorer scorer = new LoglikelihoodScorer(model, 64, 16, 4096);
        List<Loglikelihood> got = scorer.score(reqs, n -> { });
        assertEquals(List.of(new ForwardStats.Shape(1, 16)), scorer.stats().shapes(), "one row of 4 tokens padded to 16");
        assertMatchesDirect(model, reqs, got, 64);
    }

    @Test
    void longInputsLoseTheirStartAsInLmEval() {
        RatLanguageModel model = EvalTestSupport.tiny(AttentionConfig.full(), 6);
        int[] ctx = new Random(3).ints(20, 3, 32000).toArray();
        List<ContextContinuation> reqs = List.of(new ContextContinuation(ctx, new int[]{11, 12}));
        LoglikelihoodScorer scorer = new LoglikelihoodScorer(model, 8, 16, 4096);
        List<Loglikelihood> got = scorer.score(reqs, n -> { });
        // input = (ctx + cont)[-9:][:-1]: the last 7 context tokens and the first continuation token
        assertMatchesDirect(model, reqs, got, 8);
        assertEquals(8, scorer.stats().realTokens(), "8 real tokens");
        // a continuation longer than the maximum keeps its whole length after the last context token (lm-eval asserts)
        int[] longCont = new Random(4).ints(10, 3, 32000).toArray();
        List<ContextContinuation> over = List.of(new ContextContinuation(ctx, longCont));
        assertMatchesDirect(model, over, scorer.score(over, n -> { }), 10);
    }

    @Test
    void greedyMeansEveryTokenIsTheArgmax() {
        RatLanguageModel model = EvalTestSupport.tiny(AttentionConfig.full(), 7);
        int[] ctx = {1, 500, 600};
        // the argmax after the context, then the argmax after that: a greedy continuation of two tokens
        int first = argmaxNext(model, ctx);
        int second = argmaxNext(model, LoglikelihoodScorer.concat(ctx, new int[]{first}));
        LoglikelihoodScorer scorer = new LoglikelihoodScorer(model, 64, 16, 4096);
        List<Loglikelihood> got = scorer.score(List.of(new ContextContinuation(ctx, new int[]{first, second}),
                new ContextContinuation(ctx, new int[]{first, (second + 1) % 32000})), n -> { });
        assertTrue(got.get(0).greedy());
        assertFalse(got.get(1).greedy());
    }

    private static int argmaxNext(RatLanguageModel model, int[] ids) {
        double[] row = model.logits(new int[][]{ids}).reshape(ids.length, -1).getRow(ids.length - 1).toDoubleVector();
        int best = 0;
        for (int i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
        return best;
    }
}
