package org.rat4j.eval.metrics;

/**
 * One aggregate number of a task with its standard error (NaN when it has none).
 *
 * @param percent         a proportion in [0, 1] that reports show as a percentage (accuracies, F1, ROUGE)
 * @param higherIsBetter  false for perplexity and loss
 */
public record Metric(double value, double stderr, boolean percent, boolean higherIsBetter) {
    public static Metric proportion(double value, double stderr) {
        return new Metric(value, stderr, true, true);
    }

    public static Metric lowerBetter(double value, double stderr) {
        return new Metric(value, stderr, false, false);
    }

    /** The value as a report shows it: percent with one decimal, others with four significant digits. */
    public String display() {
        if (Double.isNaN(value)) return "n/a";
        return percent ? String.format(java.util.Locale.ROOT, "%.1f", 100 * value) : String.format(java.util.Locale.ROOT, "%.4g", value);
    }

    /** {@link #display()} followed by {@code ± stderr} when there is one. */
    public String displayWithError() {
        if (Double.isNaN(stderr)) return display();
        String err = percent ? String.format(java.util.Locale.ROOT, "%.1f", 100 * stderr) : String.format(java.util.Locale.ROOT, "%.2g", stderr);
        return display() + " ± " + err;
    }
}
