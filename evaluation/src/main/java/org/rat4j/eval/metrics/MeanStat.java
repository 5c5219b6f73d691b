package org.rat4j.eval.metrics;

/**
 * Mean and standard error of per-item scores the way lm-eval reports them ({@code mean} and {@code mean_stderr}:
 * the sample standard deviation, ddof 1, over sqrt(n)). The standard error is NaN for fewer than two items.
 */
public record MeanStat(double mean, double stderr, int n) {
    public static MeanStat of(double[] values) {
        int n = values.length;
        if (n == 0) return new MeanStat(Double.NaN, Double.NaN, 0);
        double sum = 0;
        for (double v : values) sum += v;
        double mean = sum / n;
        if (n < 2) return new MeanStat(mean, Double.NaN, n);
        double ss = 0;
        for (double v : values) ss += (v - mean) * (v - mean);
        return new MeanStat(mean, Math.sqrt(ss / (n - 1)) / Math.sqrt(n), n);
    }
}
