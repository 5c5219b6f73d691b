package org.rat4j.eval.report;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.rat4j.eval.metrics.Metric;
import org.rat4j.eval.TaskResult;
import org.rat4j.io.AtomicFiles;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The PNG charts of a run, each drawn only when the run has its data: {@code tasks.png} (bars of each task's primary
 * score, a bar per model), {@code niah.png} (NIAH accuracy against context length), {@code ratplus_sweep.png} (score
 * against the RAT+ dilation D) and {@code loss_by_position.png} (mean loss at each position of a window, with the
 * training length marked).
 */
public final class EvalCharts {
    /** Points of a loss-by-position curve: positions are averaged in bins so the line stays readable. */
    static final int CURVE_POINTS = 128;

    private EvalCharts() {
    }

    public static List<Path> write(Path out, List<ModelRun> models) throws IOException {
        System.setProperty("java.awt.headless", "true");
        List<Path> written = new ArrayList<>();
        CategoryChart tasks = tasks(models);
        if (tasks != null) written.add(png(out.resolve("tasks.png"), tasks));
        XYChart niah = niah(models);
        if (niah != null) written.add(png(out.resolve("niah.png"), niah));
        XYChart sweep = sweep(models);
        if (sweep != null) written.add(png(out.resolve("ratplus_sweep.png"), sweep));
        XYChart loss = lossByPosition(models);
        if (loss != null) written.add(png(out.resolve("loss_by_position.png"), loss));
        return written;
    }

    /**
     * Bars: the primary score (in %) of every proportion-scored task without a length suffix, and the averages; a grey
     * "chance" bar where guessing has a defined score.
     */
    static CategoryChart tasks(List<ModelRun> models) {
        Set<String> names = new LinkedHashSet<>();
        for (ModelRun m : models) {
            for (TaskResult r : m.results()) if (!r.task().contains("@") && r.primaryMetric().percent()) names.add(r.task());
            for (Map.Entry<String, Metric> a : m.averages().entrySet()) if (!a.getKey().contains("@") && a.getValue().percent()) names.add(a.getKey());
        }
        if (names.isEmpty()) return null;
        CategoryChart chart = new CategoryChartBuilder().width(Math.max(700, 90 * names.size() * Math.max(1, models.size()) / 2 + 200))
                .height(520).title("primary score per task").xAxisTitle("task").yAxisTitle("score (%)").build();
        style(chart);
        chart.getStyler().setXAxisLabelRotation(30);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(100.0);
        List<Double> chance = new ArrayList<>();
        for (String n : names) {
            double c = Double.NaN;
            for (ModelRun m : models) if (m.result(n) != null) c = m.result(n).chance();
            chance.add(Double.isNaN(c) ? 0.0 : 100 * c);
        }
        if (chance.stream().anyMatch(c -> c > 0)) chart.addSeries("chance", new ArrayList<>(names), chance).setFillColor(Color.LIGHT_GRAY);
        for (ModelRun m : models) {
            List<String> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (String n : names) {
                TaskResult r = m.result(n);
                Metric v = r != null ? r.primaryMetric() : m.averages().get(n);
                x.add(n);
                y.add(v == null || Double.isNaN(v.value()) ? 0.0 : 100 * v.value());
            }
            chart.addSeries(m.name(), x, y);
        }
        return chart;
    }

    /** The mean NIAH score over the tasks run at each length, one line per model. */
    static XYChart niah(List<ModelRun> models) {
        XYChart chart = xy("NIAH accuracy against context length", "context length (tokens)", "string_match_all (%, mean over tasks)");
        for (ModelRun m : models) {
            TreeMap<Integer, List<Double>> byLength = new TreeMap<>();
            for (TaskResult r : m.results()) {
                if (!r.task().startsWith("niah_") || !r.task().contains("@")) continue;
                int len = Integer.parseInt(r.task().substring(r.task().indexOf('@') + 1));
                byLength.computeIfAbsent(len, k -> new ArrayList<>()).add(100 * r.primaryMetric().value());
            }
            if (byLength.isEmpty()) continue;
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            byLength.forEach((len, v) -> {
                x.add((double) len);
                y.add(v.stream().mapToDouble(Double::doubleValue).average().orElse(0));
            });
            chart.addSeries(m.name(), x, y).setMarker(SeriesMarkers.CIRCLE);
        }
        if (chart.getSeriesMap().isEmpty()) return null;
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(100.0);
        return chart;
    }

    /** Primary score against D for the sweep variants of each model, one line per task and local window W. */
    static XYChart sweep(List<ModelRun> models) {
        Map<String, TreeMap<Integer, Double>> series = new LinkedHashMap<>();
        for (ModelRun m : models) {
            if (m.variant() == null) continue;
            int d = m.variant().dilation();
            int w = m.variant().local();
            if (d < 1) continue;
            for (TaskResult r : m.results()) {
                if (Double.isNaN(r.primaryMetric().value())) continue;
                String key = m.model() + " " + r.task() + (w > 0 ? " (W=" + w + ")" : "");
                series.computeIfAbsent(key, k -> new TreeMap<>()).put(d, r.primaryMetric().percent() ? 100 * r.primaryMetric().value()
                        : r.primaryMetric().value());
            }
        }
        if (series.isEmpty()) return null;
        XYChart chart = xy("RAT+ inference sweep (primary score against dilation D)", "dilation D", "score");
        chart.getStyler().setXAxisLogarithmic(true);
        for (Map.Entry<String, TreeMap<Integer, Double>> e : series.entrySet()) {
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            e.getValue().forEach((d, v) -> {
                x.add((double) d);
                y.add(v);
            });
            chart.addSeries(e.getKey(), x, y).setMarker(SeriesMarkers.CIRCLE);
        }
        return chart;
    }

    /** Mean loss per position (binned), one line per model and window; a dashed line marks the training length. */
    static XYChart lossByPosition(List<ModelRun> models) {
        XYChart chart = xy("loss by position", "position in the window", "mean loss (nats/token)");
        int trained = -1;
        double lo = Double.MAX_VALUE;
        double hi = -Double.MAX_VALUE;
        for (ModelRun m : models) {
            for (TaskResult r : m.results()) {
                if (!(r.details().get("loss_by_position") instanceof double[] curve)) continue;
                trained = Math.max(trained, (Integer) r.details().get("trained_length"));
                int bin = Math.max(1, curve.length / CURVE_POINTS);
                List<Double> x = new ArrayList<>();
                List<Double> y = new ArrayList<>();
                for (int start = 0; start < curve.length; start += bin) {
                    double sum = 0;
                    int n = 0;
                    for (int p = start; p < Math.min(curve.length, start + bin); p++) {
                        if (!Double.isNaN(curve[p])) {
                            sum += curve[p];
                            n++;
                        }
                    }
                    if (n == 0) continue;
                    x.add(start + (Math.min(curve.length, start + bin) - 1 - start) / 2.0);
                    y.add(sum / n);
                    lo = Math.min(lo, sum / n);
                    hi = Math.max(hi, sum / n);
                }
                XYSeries s = chart.addSeries(m.name() + " " + r.task(), x, y);
                s.setMarker(SeriesMarkers.NONE);
            }
        }
        if (chart.getSeriesMap().isEmpty()) return null;
        if (trained > 0) {
            XYSeries t = chart.addSeries("training length " + trained, List.of((double) trained, (double) trained), List.of(lo, hi));
            t.setMarker(SeriesMarkers.NONE);
            t.setLineColor(Color.GRAY);
            t.setLineStyle(new java.awt.BasicStroke(1.5f, java.awt.BasicStroke.CAP_BUTT, java.awt.BasicStroke.JOIN_MITER, 10f, new float[]{6f, 4f}, 0f));
        }
        return chart;
    }

    private static XYChart xy(String title, String x, String y) {
        XYChart chart = new XYChartBuilder().width(900).height(540).title(title).xAxisTitle(x).yAxisTitle(y).build();
        style(chart);
        return chart;
    }

    private static void style(Chart<?, ?> chart) {
        Styler s = chart.getStyler();
        s.setChartBackgroundColor(Color.WHITE);
        s.setLegendPosition(Styler.LegendPosition.OutsideE);
    }

    private static Path png(Path file, Chart<?, ?> chart) throws IOException {
        byte[] bytes = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        AtomicFiles.write(file, o -> o.write(bytes));
        return file;
    }
}
