package org.rat4j.train;

import org.rat4j.io.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * {@code metrics.csv} of a run: one row per iteration, validation columns filled on evaluation steps. The file is
 * rewritten atomically on each flush, so it is always a complete CSV; on resume the rows after the checkpoint's step
 * are dropped so the curve continues without the steps that are repeated.
 */
public final class MetricsLog {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsLog.class);
    public static final String FILE = "metrics.csv";
    /** Suffix of the copy kept when damaged lines are dropped on loading. */
    public static final String DAMAGED_SUFFIX = ".damaged";
    public static final String HEADER = "step,tokens,lr,loss,dense_loss,grad_norm,tokens_per_s,elapsed_s,val_loss,val_ppl,rss_mb";

    /** One row; NaN marks an empty cell. */
    public record Row(int step, long tokens, double lr, double loss, double denseLoss, double gradNorm, double tokensPerSecond,
                      double elapsedSeconds, double valLoss, double valPerplexity, double rssMb) {
        String csv() {
            return String.format(Locale.ROOT, "%d,%d,%s,%s,%s,%s,%s,%s,%s,%s,%s", step, tokens, num(lr), num(loss), num(denseLoss),
                    num(gradNorm), num(tokensPerSecond), num(elapsedSeconds), num(valLoss), num(valPerplexity), num(rssMb));
        }

        static Row parse(String line) {
            String[] f = line.split(",", -1);
            return new Row(Integer.parseInt(f[0]), Long.parseLong(f[1]), val(f[2]), val(f[3]), val(f[4]), val(f[5]), val(f[6]),
                    val(f[7]), val(f[8]), val(f[9]), f.length > 10 ? val(f[10]) : Double.NaN);
        }

        Row withValidation(double valLoss) {
            return new Row(step, tokens, lr, loss, denseLoss, gradNorm, tokensPerSecond, elapsedSeconds, valLoss, Math.exp(valLoss), rssMb);
        }
    }

    private final Path file;
    private final List<Row> rows = new ArrayList<>();

    public MetricsLog(Path runDir) {
        this.file = runDir.resolve(FILE);
    }

    /**
     * Loads the rows of an earlier run up to {@code step}, for a reader ({@code compare}, a model card): lines that are
     * not rows of numbers (a damaged file, bytes that are not UTF-8) are skipped with one warning; nothing is written.
     */
    public void loadUpTo(int step) throws IOException {
        int dropped = read(step).dropped();
        if (dropped > 0) {
            LOG.warn("{}: {} line(s) are not rows of numbers (damaged, or not UTF-8 text) and are skipped", file, dropped);
        }
    }

    /**
     * Loads the rows up to {@code step} for the run that owns the folder and resumes it: as {@link #loadUpTo}, and
     * the file as it was is kept beside it as {@code metrics.csv.damaged}, since the next flush rewrites
     * {@code metrics.csv} without the dropped lines.
     */
    public void resumeUpTo(int step) throws IOException {
        Read read = read(step);
        if (read.dropped() > 0) {
            Path copy = file.resolveSibling(FILE + DAMAGED_SUFFIX);
            AtomicFiles.write(copy, out -> out.write(read.bytes()));
            LOG.warn("{}: {} line(s) are not rows of numbers (damaged, or not UTF-8 text) and are dropped; the file as it was "
                    + "is kept as {}", file, read.dropped(), copy.getFileName());
        }
    }

    /** Starts empty (a new run in the folder: the next flush replaces an earlier run's file). */
    public void clear() {
        rows.clear();
    }

    /** The file's bytes and how many of its lines were not rows of numbers. */
    private record Read(byte[] bytes, int dropped) {
    }

    /** Reads the rows up to {@code step}. */
    private Read read(int step) throws IOException {
        rows.clear();
        if (!Files.isRegularFile(file)) return new Read(new byte[0], 0);
        byte[] bytes = Files.readAllBytes(file);
        // Decoding replaces malformed bytes by U+FFFD (no exception), so such a line fails to parse like any damaged one.
        List<String> lines = new String(bytes, StandardCharsets.UTF_8).lines().toList();
        int dropped = 0;
        for (int i = 1; i < lines.size(); i++) {
            String l = lines.get(i).trim();
            if (l.isEmpty()) continue;
            try {
                Row r = Row.parse(l);
                if (r.step() <= step) rows.add(r);
            } catch (RuntimeException e) {
                dropped++;
            }
        }
        return new Read(bytes, dropped);
    }

    public void add(Row r) {
        rows.add(r);
    }

    /** Sets the validation loss of the last row. */
    public void setLastValidation(double valLoss) {
        if (rows.isEmpty()) return;
        rows.set(rows.size() - 1, rows.get(rows.size() - 1).withValidation(valLoss));
    }

    public List<Row> rows() {
        return rows;
    }

    public void flush() throws IOException {
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        for (Row r : rows) sb.append(r.csv()).append('\n');
        AtomicFiles.writeString(file, sb.toString());
    }

    public Path file() {
        return file;
    }

    private static String num(double v) {
        if (Double.isNaN(v)) return "";
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        return String.format(Locale.ROOT, "%.6g", v);
    }

    private static double val(String s) {
        return s.isEmpty() ? Double.NaN : Double.parseDouble(s);
    }
}
