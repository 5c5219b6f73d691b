package org.rat4j.eval.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.rat4j.eval.metrics.Metric;
import org.rat4j.eval.TaskResult;
import org.rat4j.io.AtomicFiles;
import org.rat4j.io.JsonFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The files of one {@code rat4j eval} run: {@code results.json} (every number), {@code report.md} (one table, models
 * as columns), per-item JSONL ({@code predictions/} for generation tasks, {@code samples/} with
 * {@code --log-samples}), loss-by-position CSVs, and the charts of {@link EvalCharts}. Each file is written
 * atomically.
 */
public final class EvalReport {
    public static final String RESULTS = "results.json";
    public static final String REPORT = "report.md";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper COMPACT = new ObjectMapper();

    private EvalReport() {
    }

    /** Writes every output under {@code out}; {@code run} holds the run's settings for results.json. */
    public static List<Path> write(Path out, Map<String, Object> run, List<ModelRun> models, List<String> notes) throws IOException {
        List<Path> written = new ArrayList<>();
        Path results = out.resolve(RESULTS);
        JsonFiles.write(results, JSON, sanitize(resultsTree(run, models)));
        written.add(results);
        Path report = out.resolve(REPORT);
        AtomicFiles.writeString(report, markdown(run, models, notes));
        written.add(report);
        for (ModelRun m : models) {
            for (TaskResult r : m.results()) {
                if (!r.predictions().isEmpty()) written.add(jsonl(out.resolve("predictions").resolve(fileName(m.name())).resolve(fileName(r.task()) + ".jsonl"), r.predictions()));
                if (!r.samples().isEmpty()) written.add(jsonl(out.resolve("samples").resolve(fileName(m.name())).resolve(fileName(r.task()) + ".jsonl"), r.samples()));
                if (r.details().get("loss_by_position") instanceof double[] curve) {
                    Path csv = out.resolve("loss_by_position").resolve(fileName(m.name()) + "-" + fileName(r.task()) + ".csv");
                    written.add(lossCsv(csv, curve, (long[]) r.details().get("count_by_position")));
                }
            }
        }
        written.addAll(EvalCharts.write(out, models));
        return written;
    }

    /** The tree of results.json. */
    static Map<String, Object> resultsTree(Map<String, Object> run, List<ModelRun> models) {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("format", "rat4j-eval-results");
        root.put("version", 1);
        root.put("run", run);
        List<Map<String, Object>> list = new ArrayList<>();
        for (ModelRun m : models) {
            Map<String, Object> mm = new LinkedHashMap<>();
            mm.put("name", m.name());
            mm.put("model", m.model());
            mm.put("path", m.path());
            mm.put("variant", m.variantLabel());
            mm.put("parameters", m.parameters());
            mm.put("config", m.config());
            Map<String, Object> tasks = new LinkedHashMap<>();
            for (TaskResult r : m.results()) {
                Map<String, Object> t = new LinkedHashMap<>();
                t.put("items", r.items());
                t.put("primary", r.primary());
                t.put("chance", r.chance());
                t.put("seconds", r.seconds());
                t.put("metrics", metrics(r.metrics()));
                t.put("details", r.details());
                tasks.put(r.task(), t);
            }
            mm.put("tasks", tasks);
            mm.put("averages", metrics(m.averages()));
            list.add(mm);
        }
        root.put("models", list);
        return root;
    }

    private static Map<String, Object> metrics(Map<String, Metric> metrics) {
        Map<String, Object> out = new LinkedHashMap<>();
        metrics.forEach((k, v) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("value", v.value());
            m.put("stderr", v.stderr());
            out.put(k, m);
        });
        return out;
    }

    /** NaN and infinities become null: JSON has no such numbers. */
    @SuppressWarnings("unchecked")
    static Object sanitize(Object o) {
        if (o instanceof Double d) return d.isNaN() || d.isInfinite() ? null : d;
        if (o instanceof double[] a) {
            List<Object> l = new ArrayList<>();
            for (double d : a) l.add(sanitize(d));
            return l;
        }
        if (o instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) out.put(String.valueOf(e.getKey()), sanitize(e.getValue()));
            return out;
        }
        if (o instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            for (Object x : list) out.add(sanitize(x));
            return out;
        }
        return o;
    }

    /**
     * report.md: the run's settings and notes, then one table with a row per (task, metric) and per group average,
     * a column per model, each cell {@code value ± stderr} (percent for proportions).
     */
    public static String markdown(Map<String, Object> run, List<ModelRun> models, List<String> notes) {
        StringBuilder sb = new StringBuilder("# rat4j eval\n\n");
        run.forEach((k, v) -> sb.append("- ").append(k).append(": ").append(v).append('\n'));
        for (String n : notes) sb.append("- ").append(n).append('\n');
        sb.append('\n').append(table(models));
        sb.append("\nProportions (acc, F1, ROUGE-L, string match) are in %, ± one standard error; perplexity and loss "
                + "are lower-is-better. `chance` is the expected score of guessing the primary metric.\n");
        return sb.toString();
    }

    /** The markdown table alone (also printed by the command). */
    public static String table(List<ModelRun> models) {
        StringBuilder sb = new StringBuilder("| task | metric | n | chance |");
        for (ModelRun m : models) sb.append(' ').append(m.name()).append(" |");
        sb.append("\n|---|---|---|---|");
        sb.append("---|".repeat(models.size())).append('\n');
        Set<String> tasks = new LinkedHashSet<>();
        for (ModelRun m : models) for (TaskResult r : m.results()) tasks.add(r.task());
        for (String task : tasks) {
            TaskResult first = null;
            for (ModelRun m : models) if (first == null) first = m.result(task);
            for (String metric : first.metrics().keySet()) {
                sb.append("| ").append(task).append(" | ").append(metric).append(" | ").append(first.items()).append(" | ");
                sb.append(metric.equals(first.primary()) && !Double.isNaN(first.chance())
                        ? String.format(Locale.ROOT, "%.1f", 100 * first.chance()) : "").append(" |");
                for (ModelRun m : models) {
                    TaskResult r = m.result(task);
                    Metric v = r == null ? null : r.metrics().get(metric);
                    sb.append(' ').append(v == null ? "" : v.displayWithError()).append(" |");
                }
                sb.append('\n');
            }
        }
        Set<String> averages = new LinkedHashSet<>();
        for (ModelRun m : models) averages.addAll(m.averages().keySet());
        for (String a : averages) {
            sb.append("| **").append(a).append("** | average | | |");
            for (ModelRun m : models) {
                Metric v = m.averages().get(a);
                sb.append(' ').append(v == null ? "" : "**" + v.displayWithError() + "**").append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static Path jsonl(Path file, List<Map<String, Object>> records) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Map<String, Object> r : records) sb.append(COMPACT.writeValueAsString(sanitize(r))).append('\n');
        AtomicFiles.writeString(file, sb.toString());
        return file;
    }

    private static Path lossCsv(Path file, double[] curve, long[] counts) throws IOException {
        StringBuilder sb = new StringBuilder("position,mean_loss,count\n");
        for (int p = 0; p < curve.length; p++) {
            sb.append(p).append(',').append(Double.isNaN(curve[p]) ? "" : String.format(Locale.ROOT, "%.6f", curve[p]))
                    .append(',').append(counts[p]).append('\n');
        }
        AtomicFiles.writeString(file, sb.toString());
        return file;
    }

    /** A model or task name as a file name: characters other than letters, digits, {@code . _ - = @ ,} become {@code _}. */
    public static String fileName(String name) {
        return name.replaceAll("[^A-Za-z0-9._=@,-]", "_");
    }
}
