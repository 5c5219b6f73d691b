package org.rat4j.launcher;

import org.rat4j.cli.Subcommand;
import org.rat4j.cli.Console;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.rat4j.config.ConfigException;
import org.rat4j.train.LossChart;
import org.rat4j.train.MetricsLog;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.rat4j.cli.CliOptions.*;

/** {@code rat4j compare RUN...}: the loss curves of several training runs on one PNG, and their final numbers. */
public final class CompareCommand implements Subcommand {
    @Override
    public String name() {
        return "compare";
    }

    @Override
    public String summary() {
        return "draw the loss curves of several runs on one chart and print their final validation loss";
    }

    @Override
    public int run(String[] args) throws Exception {
        Options o = new Options();
        o.addOption(required("out", "FILE", "PNG chart to write"));
        o.addOption(optional("title", "TEXT", "chart title (default: rat4j runs)"));
        CommandLine cl = parse(name() + " RUN [RUN ...]", "Reads each run folder's metrics.csv (rat4j train) and draws "
                + "validation and smoothed training loss against training tokens.", o, args);
        if (cl == null) return 0;
        if (cl.getArgList().isEmpty()) throw new ConfigException("name at least one run folder, e.g. rat4j compare runs/a runs/b --out c.png");
        Path out = outputFile(cl, "out");
        Map<String, List<MetricsLog.Row>> runs = new LinkedHashMap<>();
        for (String dir : cl.getArgList()) {
            Path run = Path.of(dir);
            MetricsLog m = new MetricsLog(run);
            if (!Files.isRegularFile(m.file())) {
                throw new ConfigException(run + " has no " + MetricsLog.FILE + "; give folders written by rat4j train");
            }
            m.loadUpTo(Integer.MAX_VALUE);
            runs.put(run.getFileName().toString(), m.rows());
        }
        if (runs.values().stream().allMatch(List::isEmpty)) {
            throw new ConfigException("no step in the " + MetricsLog.FILE + " of " + String.join(", ", cl.getArgList())
                    + ": nothing to draw; give folders of runs that trained at least one step");
        }
        LossChart.compare(out, runs, cl.getOptionValue("title", "rat4j runs"));
        for (Map.Entry<String, List<MetricsLog.Row>> r : runs.entrySet()) {
            double val = Double.NaN;
            for (MetricsLog.Row row : r.getValue()) if (Double.isFinite(row.valLoss())) val = row.valLoss();
            int steps = r.getValue().isEmpty() ? 0 : r.getValue().get(r.getValue().size() - 1).step();
            Console.stdout().printf(Locale.ROOT, "%-24s %6d steps  validation loss %.4f  perplexity %.2f%n", r.getKey(), steps, val,
                    Math.exp(val));
        }
        Console.stdout().println("wrote " + out);
        return 0;
    }
}
