package org.rat4j.eval.report;

import org.rat4j.eval.metrics.Metric;
import org.rat4j.eval.TaskResult;
import org.rat4j.eval.sweep.RatPlusSweep;
import org.rat4j.ratplus.RatPlusPattern;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything one model (or one RAT+ sweep variant of it) scored in a run: a column of the report.
 *
 * @param model      the model's name (its folder's name)
 * @param path       the model folder
 * @param variant    the RAT+ sweep setting, or null
 * @param parameters parameter count
 * @param config     the model config tree
 * @param results    one result per task, in task order
 * @param averages   group averages ({@code csr}, {@code ruler@1024}, ...)
 */
public record ModelRun(String model, String path, RatPlusPattern variant, long parameters, Map<String, Object> config,
                       List<TaskResult> results, Map<String, Metric> averages) {
    public ModelRun {
        results = List.copyOf(results);
        averages = Collections.unmodifiableMap(new LinkedHashMap<>(averages));   // in group order, as reported
    }

    /** The column name: the model's name, with the sweep setting in brackets for a variant. */
    public String name() {
        return variant == null ? model : model + " [" + variantLabel() + "]";
    }

    /** The sweep setting as reports name it ({@code D=16,W=0,P=4}), or null. */
    public String variantLabel() {
        return variant == null ? null : RatPlusSweep.label(variant);
    }

    /** The result of a task, or null when this run has none. */
    public TaskResult result(String task) {
        for (TaskResult r : results) if (r.task().equals(task)) return r;
        return null;
    }
}
