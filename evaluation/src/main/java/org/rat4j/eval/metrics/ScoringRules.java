package org.rat4j.eval.metrics;


/** The per-item decisions and aggregates of lm-eval's log-likelihood tasks ({@code lm_eval/api/task.py}, {@code metrics.py}). */
public final class ScoringRules {
    private ScoringRules() {
    }

    /** The chosen option: numpy's {@code argmax}, the first of equal maxima. */
    public static int argmax(double[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) if (x[i] > x[best]) best = i;
        return best;
    }

    /** {@code acc_norm}'s choice: the argmax of each log-likelihood divided by its choice's length in characters. */
    public static int argmaxNormalized(double[] ll, int[] chars) {
        double[] norm = new double[ll.length];
        for (int i = 0; i < ll.length; i++) norm[i] = ll[i] / chars[i];
        return argmax(norm);
    }

    /**
     * lm-eval's {@code perplexity} aggregate, {@code exp(-mean(ll))} over items, with the delta-method standard error
     * {@code ppl · stderr(ll)}.
     */
    public static Metric perplexity(double[] ll) {
        MeanStat s = MeanStat.of(ll);
        double ppl = Math.exp(-s.mean());
        return Metric.lowerBetter(ppl, ppl * s.stderr());
    }
}
