package org.rat4j.eval.report;

import org.rat4j.eval.metrics.Metric;
import org.rat4j.eval.TaskResult;
import org.rat4j.eval.task.TaskRegistry;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Averages of a group's member metrics on one model: the mean of the members' values, with the standard error of a
 * mean of independent estimates ({@code sqrt(Σ se²) / k}). Tasks evaluated at several lengths ({@code niah_single_1@1024})
 * are averaged per length ({@code ruler@1024}). A group is averaged only where every member has a result.
 */
public final class GroupAverage {
    private GroupAverage() {
    }

    /** Average name (the group name, with {@code @suffix} for per-length tasks) to its value. */
    public static Map<String, Metric> compute(TaskRegistry.Group group, List<TaskResult> results) {
        Map<String, Map<String, Metric>> bySuffix = new LinkedHashMap<>();
        for (TaskResult r : results) {
            int at = r.task().indexOf('@');
            String base = at < 0 ? r.task() : r.task().substring(0, at);
            String suffix = at < 0 ? "" : r.task().substring(at);
            String metric = group.members().get(base);
            if (metric == null || !r.metrics().containsKey(metric)) continue;
            bySuffix.computeIfAbsent(suffix, k -> new LinkedHashMap<>()).put(base, r.metrics().get(metric));
        }
        Map<String, Metric> out = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, Metric>> e : bySuffix.entrySet()) {
            if (e.getValue().size() != group.members().size()) continue;
            double sum = 0;
            double var = 0;
            boolean percent = true;
            for (Metric m : e.getValue().values()) {
                sum += m.value();
                var += Double.isNaN(m.stderr()) ? 0 : m.stderr() * m.stderr();
                percent &= m.percent();
            }
            int k = e.getValue().size();
            out.put(group.name() + e.getKey(), new Metric(sum / k, Math.sqrt(var) / k, percent, true));
        }
        return out;
    }
}
