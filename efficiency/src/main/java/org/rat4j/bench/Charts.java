package org.rat4j.bench;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.knowm.xchart.internal.chartpart.Chart;
import org.rat4j.io.AtomicFiles;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.*;

/**
 * PNG charts of a run: for each mode, latency against T on log-log axes (one line per mixer, the PyTorch peer
 * dashed); for train, prefill and gen, the speed-up over attention against T with each mixer's bound drawn dashed
 * (FLOP ratio; for gen also the bytes ratio); and the model throughput.
 */
public final class Charts {
    private static final Color[] PALETTE = {
            new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e), new Color(0x9467bd),
            new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf)};

    private Charts() {
    }

    /** Writes every chart into {@code dir}; returns the files written. */
    public static List<Path> write(Report report, Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        List<String> mixers = new ArrayList<>();
        for (LayerResult r : report.layer) if (!mixers.contains(r.mixer)) mixers.add(r.mixer);
        for (String mode : Modes.ALL) {
            if (mode.equals(Modes.GEN_BATCH)) {
                XYChart b = genBatch(report, mixers);
                if (b != null) files.add(save(b, dir.resolve("latency-gen-batch.png")));
                continue;
            }
            XYChart c = latency(report, mode, mixers);
            if (c != null) files.add(save(c, dir.resolve("latency-" + mode + ".png")));
            XYChart s = speedup(report, mode, mixers);
            if (s != null) files.add(save(s, dir.resolve("speedup-" + mode + ".png")));
        }
        CategoryChart m = model(report);
        if (m != null) files.add(save(m, dir.resolve("model-throughput.png")));
        return files;
    }

    static Color color(List<String> mixers, String mixer) {
        return PALETTE[Math.max(0, mixers.indexOf(mixer)) % PALETTE.length];
    }

    static XYChart latency(Report report, String mode, List<String> mixers) {
        LayerResult any = report.layer.stream().filter(r -> r.mode.equals(mode) && r.ok()).findFirst().orElse(null);
        if (any == null) return null;
        XYChart c = new XYChartBuilder().width(1000).height(650)
                .title(String.format(Locale.ROOT, "%s latency, one layer, D=%d, H=%d, B·T=%d (rat4j solid, PyTorch dashed)",
                        mode, any.d, any.heads, any.batch * any.seqLen))
                .xAxisTitle("sequence length T").yAxisTitle(Modes.isGen(mode) ? "ms per decode step at T-1" : "ms").build();
        style(c);
        for (String mixer : mixers) {
            List<double[]> pts = new ArrayList<>();
            List<double[]> peer = new ArrayList<>();
            for (LayerResult r : report.layer) {
                if (!r.mode.equals(mode) || !r.mixer.equals(mixer)) continue;
                if (r.ok()) pts.add(new double[]{r.seqLen, r.medianMs});
                if (r.peerMedianMs != null) peer.add(new double[]{r.seqLen, r.peerMedianMs});
            }
            add(c, mixer, pts, color(mixers, mixer), false);
            add(c, mixer + " (PyTorch)", peer, color(mixers, mixer), true);
        }
        return c.getSeriesMap().isEmpty() ? null : decades(c);
    }

    /** gen-batch: ms per step against the batch at the fixed position, log-log. */
    static XYChart genBatch(Report report, List<String> mixers) {
        LayerResult any = report.layer.stream().filter(r -> r.mode.equals(Modes.GEN_BATCH) && r.ok()).findFirst().orElse(null);
        if (any == null) return null;
        XYChart c = new XYChartBuilder().width(1000).height(650)
                .title(String.format(Locale.ROOT, "one decode step at position %d against the batch, D=%d (rat4j solid, PyTorch dashed)",
                        any.seqLen - 1, any.d))
                .xAxisTitle("batch B").yAxisTitle("ms per decode step").build();
        style(c);
        for (String mixer : mixers) {
            List<double[]> pts = new ArrayList<>();
            List<double[]> peer = new ArrayList<>();
            for (LayerResult r : report.layer) {
                if (!r.mode.equals(Modes.GEN_BATCH) || !r.mixer.equals(mixer)) continue;
                if (r.ok()) pts.add(new double[]{r.batch, r.medianMs});
                if (r.peerMedianMs != null) peer.add(new double[]{r.batch, r.peerMedianMs});
            }
            add(c, mixer, pts, color(mixers, mixer), false);
            add(c, mixer + " (PyTorch)", peer, color(mixers, mixer), true);
        }
        return c.getSeriesMap().isEmpty() ? null : decades(c);
    }

    static XYChart speedup(Report report, String mode, List<String> mixers) {
        XYChart c = new XYChartBuilder().width(1000).height(650)
                .title("speed-up over attention, " + mode + " (measured solid, FLOP-ratio bound dashed"
                        + (Modes.isGen(mode) ? ", bytes-ratio bound dotted)" : ")"))
                .xAxisTitle("sequence length T").yAxisTitle("attention time / mixer time").build();
        style(c);
        for (String mixer : mixers) {
            if (mixer.equals("attention")) continue;
            List<double[]> measured = new ArrayList<>();
            List<double[]> bound = new ArrayList<>();
            List<double[]> bytes = new ArrayList<>();
            for (LayerResult r : report.layer) {
                if (!r.mode.equals(mode) || !r.mixer.equals(mixer)) continue;
                if (r.speedupVsAttention != null) measured.add(new double[]{r.seqLen, r.speedupVsAttention});
                if (r.flopBound != null && r.flopBound > 0) bound.add(new double[]{r.seqLen, r.flopBound});
                if (r.bytesBound != null && r.bytesBound > 0) bytes.add(new double[]{r.seqLen, r.bytesBound});
            }
            if (measured.isEmpty()) continue;
            Color col = color(mixers, mixer);
            add(c, mixer, measured, col, false);
            add(c, mixer + " FLOP bound", bound, col, true);
            XYSeries s = add(c, mixer + " bytes bound", bytes, col, true);
            if (s != null) s.setLineStyle(SeriesLines.DOT_DOT);
        }
        return c.getSeriesMap().isEmpty() ? null : decades(c);
    }

    static CategoryChart model(Report report) {
        List<String> names = new ArrayList<>();
        List<Double> tps = new ArrayList<>();
        for (ModelResult m : report.model) {
            if (m.tokensPerSecond == null) continue;
            names.add(m.config + " (B=" + m.bestBatch + ")");
            tps.add(m.tokensPerSecond);
        }
        if (names.isEmpty()) return null;
        CategoryChart c = new CategoryChartBuilder().width(900).height(550)
                .title("maximum generation throughput, 1024 tokens after a 3072-token prompt")
                .xAxisTitle("model (best batch)").yAxisTitle("tokens / s").build();
        c.getStyler().setLegendVisible(false);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.addSeries("tokens/s", names, tps);
        return c;
    }

    /**
     * Widens both log axes to whole decades: XChart labels a log axis only at powers of ten, so a range such as
     * 1,500-9,600 ms would otherwise carry no label at all.
     */
    static XYChart decades(XYChart c) {
        double xMin = Double.MAX_VALUE, xMax = 0, yMin = Double.MAX_VALUE, yMax = 0;
        for (XYSeries s : c.getSeriesMap().values()) {
            for (double v : s.getXData()) {
                xMin = Math.min(xMin, v);
                xMax = Math.max(xMax, v);
            }
            for (double v : s.getYData()) {
                yMin = Math.min(yMin, v);
                yMax = Math.max(yMax, v);
            }
        }
        if (yMax > 0) {
            double[] b = decadeRange(yMin, yMax);
            c.getStyler().setYAxisMin(b[0]);
            c.getStyler().setYAxisMax(b[1]);
        }
        if (xMax > 0) {
            double[] b = decadeRange(xMin, xMax);
            c.getStyler().setXAxisMin(b[0]);
            c.getStyler().setXAxisMax(b[1]);
        }
        return c;
    }

    /** The powers of ten around [min, max], at least one decade apart. */
    static double[] decadeRange(double min, double max) {
        double lo = Math.floor(Math.log10(min));
        double hi = Math.max(lo + 1, Math.ceil(Math.log10(max)));
        return new double[]{Math.pow(10, lo), Math.pow(10, hi)};
    }

    private static void style(XYChart c) {
        c.getStyler().setXAxisLogarithmic(true);
        c.getStyler().setYAxisLogarithmic(true);
        c.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setPlotGridLinesVisible(true);
        c.getStyler().setDecimalPattern("#,###.##");
    }

    private static XYSeries add(XYChart c, String name, List<double[]> pts, Color color, boolean dashed) {
        pts.removeIf(p -> !(p[1] > 0));
        if (pts.isEmpty()) return null;
        pts.sort(Comparator.comparingDouble(p -> p[0]));
        double[] x = pts.stream().mapToDouble(p -> p[0]).toArray();
        double[] y = pts.stream().mapToDouble(p -> p[1]).toArray();
        XYSeries s = c.addSeries(name, x, y);
        s.setLineColor(color);
        s.setMarkerColor(color);
        if (dashed) {
            s.setLineStyle(SeriesLines.DASH_DASH);
            s.setMarker(SeriesMarkers.NONE);
        } else {
            s.setMarker(SeriesMarkers.CIRCLE);
        }
        return s;
    }

    private static Path save(Chart<?, ?> chart, Path file) throws IOException {
        AtomicFiles.write(file, out -> BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG));
        return file;
    }
}
