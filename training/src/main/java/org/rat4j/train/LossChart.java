package org.rat4j.train;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.rat4j.io.AtomicFiles;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code loss.png}: training loss (raw and smoothed) and validation loss against the step. */
public final class LossChart {
    public static final String FILE = "loss.png";

    private LossChart() {
    }

    public static void write(Path png, List<MetricsLog.Row> rows, String title) throws IOException {
        List<Double> steps = new ArrayList<>();
        List<Double> loss = new ArrayList<>();
        List<Double> smooth = new ArrayList<>();
        List<Double> vSteps = new ArrayList<>();
        List<Double> vLoss = new ArrayList<>();
        double ema = Double.NaN;
        for (MetricsLog.Row r : rows) {
            if (Double.isFinite(r.loss())) {
                steps.add((double) r.step());
                loss.add(r.loss());
                ema = Double.isNaN(ema) ? r.loss() : 0.9 * ema + 0.1 * r.loss();
                smooth.add(ema);
            }
            if (Double.isFinite(r.valLoss())) {
                vSteps.add((double) r.step());
                vLoss.add(r.valLoss());
            }
        }
        if (steps.isEmpty()) return;
        XYChart chart = lossChart(title, "step");
        // The step axis starts at 0 rather than at the first logged step.
        chart.getStyler().setXAxisMin(0.0);
        XYSeries raw = chart.addSeries("train loss", steps, loss);
        raw.setMarker(SeriesMarkers.NONE);
        raw.setLineColor(new Color(150, 180, 230));
        XYSeries s = chart.addSeries("train loss (EMA 0.9)", steps, smooth);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(new Color(30, 80, 180));
        if (!vSteps.isEmpty()) {
            XYSeries v = chart.addSeries("validation loss", vSteps, vLoss);
            v.setMarker(SeriesMarkers.CIRCLE);
            v.setLineColor(new Color(200, 60, 30));
            v.setMarkerColor(new Color(200, 60, 30));
        }
        writePng(png, chart);
    }

    /**
     * Several runs on one chart: each run's validation loss (points joined by a line) and its smoothed training loss
     * (thin line of the same colour), against the number of training tokens so runs with other batch sizes line up.
     */
    public static void compare(Path png, java.util.Map<String, List<MetricsLog.Row>> runs, String title) throws IOException {
        XYChart chart = lossChart(title, "training tokens");
        Color[] palette = {new Color(30, 80, 180), new Color(200, 60, 30), new Color(40, 150, 60), new Color(140, 60, 170),
                new Color(220, 150, 20), new Color(20, 160, 170)};
        int i = 0;
        for (java.util.Map.Entry<String, List<MetricsLog.Row>> run : runs.entrySet()) {
            Color c = palette[i++ % palette.length];
            List<Double> x = new ArrayList<>();
            List<Double> smooth = new ArrayList<>();
            List<Double> vx = new ArrayList<>();
            List<Double> vy = new ArrayList<>();
            double ema = Double.NaN;
            for (MetricsLog.Row r : run.getValue()) {
                if (Double.isFinite(r.loss())) {
                    ema = Double.isNaN(ema) ? r.loss() : 0.9 * ema + 0.1 * r.loss();
                    x.add((double) r.tokens());
                    smooth.add(ema);
                }
                if (Double.isFinite(r.valLoss())) {
                    vx.add((double) r.tokens());
                    vy.add(r.valLoss());
                }
            }
            if (!x.isEmpty()) {
                XYSeries t = chart.addSeries(run.getKey() + " train (EMA)", x, smooth);
                t.setMarker(SeriesMarkers.NONE);
                t.setLineColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 90));
            }
            if (!vx.isEmpty()) {
                XYSeries v = chart.addSeries(run.getKey() + " validation", vx, vy);
                v.setMarker(SeriesMarkers.CIRCLE);
                v.setLineColor(c);
                v.setMarkerColor(c);
            }
        }
        if (chart.getSeriesMap().isEmpty()) throw new IllegalArgumentException("none of the runs has metrics to draw");
        writePng(png, chart);
    }

    /** A loss-against-{@code xTitle} chart in the project's style; slanted x labels because XChart's ran together. */
    private static XYChart lossChart(String title, String xTitle) {
        System.setProperty("java.awt.headless", "true");
        XYChart chart = new XYChartBuilder().width(900).height(540).title(title).xAxisTitle(xTitle).yAxisTitle("loss (nats/token)").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setMarkerSize(6);
        chart.getStyler().setXAxisLabelRotation(45);
        chart.getStyler().setXAxisDecimalPattern("#,##0");
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        return chart;
    }

    private static void writePng(Path png, XYChart chart) throws IOException {
        byte[] bytes = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        AtomicFiles.write(png, out -> out.write(bytes));
    }
}
