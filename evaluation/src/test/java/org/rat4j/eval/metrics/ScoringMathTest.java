package org.rat4j.eval.metrics;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** acc, acc_norm, lambada's acc and perplexity, and the standard errors, on hand-computed numbers. */
class ScoringMathTest {
    private static final double EPS = 1e-12;

    @Test
    void accTakesTheLargestLoglikelihoodAndAccNormTheLargestPerCharacter() {
        double[] ll = {-10, -12};
        int[] chars = {20, 40};                               // per character: -0.5, -0.3
        assertEquals(0, ScoringRules.argmax(ll));
        assertEquals(1, ScoringRules.argmaxNormalized(ll, chars));
        assertEquals(0, ScoringRules.argmax(new double[]{-3, -3}), "ties go to the first choice, as numpy's argmax");
    }

    @Test
    void perplexityIsPerItem() {
        // mean ll = -2, ppl = e^2; stderr of the ll mean: sample sd 1 over sqrt(3), times ppl (delta method)
        double[] ll = {-1, -2, -3};
        assertEquals(Math.exp(2), ScoringRules.perplexity(ll).value(), EPS);
        assertEquals(Math.exp(2) / Math.sqrt(3), ScoringRules.perplexity(ll).stderr(), EPS);
    }

    @Test
    void meanAndSampleStandardError() {
        // greedy flags 1, 0, 1: mean 2/3; sample variance ((1/3)²·2 + (2/3)²)/2 = 1/3; stderr sqrt(1/3)/sqrt(3) = 1/3
        MeanStat s = MeanStat.of(new double[]{1, 0, 1});
        assertEquals(2.0 / 3, s.mean(), EPS);
        assertEquals(1.0 / 3, s.stderr(), EPS);
        assertEquals(Double.NaN, MeanStat.of(new double[]{1}).stderr());
    }
}
