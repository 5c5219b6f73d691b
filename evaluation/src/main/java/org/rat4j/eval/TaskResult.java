package org.rat4j.eval;

import org.rat4j.eval.metrics.Metric;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one task measured on one model.
 *
 * @param task        the task name
 * @param items       items scored
 * @param metrics     every aggregate, in report order
 * @param primary     the metric charts and averages use
 * @param chance      the expected primary score of guessing (NaN where none applies)
 * @param seconds     wall time of the task
 * @param details     further numbers for results.json (throughput, curves, settings)
 * @param samples     per-item records for {@code --log-samples} (empty unless asked)
 * @param predictions per-item generations of generation tasks (written as JSONL), empty for the others
 */
public record TaskResult(String task, int items, Map<String, Metric> metrics, String primary, double chance,
                         double seconds, Map<String, Object> details, List<Map<String, Object>> samples,
                         List<Map<String, Object>> predictions) {
    public TaskResult {
        metrics = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        details = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details));
        samples = List.copyOf(samples);
        predictions = List.copyOf(predictions);
        if (!metrics.containsKey(primary)) throw new IllegalArgumentException("primary metric " + primary + " not among " + metrics.keySet());
    }

    public Metric primaryMetric() {
        return metrics.get(primary);
    }

    /** The same result with the wall time set (the evaluator measures it around the task). */
    public TaskResult withSeconds(double s) {
        return new TaskResult(task, items, metrics, primary, chance, s, details, samples, predictions);
    }
}
