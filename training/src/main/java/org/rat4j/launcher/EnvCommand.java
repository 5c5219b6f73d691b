package org.rat4j.launcher;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.rat4j.cli.CliOptions;
import org.rat4j.cli.Console;
import org.rat4j.cli.Subcommand;
import org.rat4j.platform.RuntimeReport;

/** {@code rat4j env} (and {@code rat4j --version}): what runs here, from the rat4j version to the ND4J build loaded. */
public final class EnvCommand implements Subcommand {
    @Override
    public String name() {
        return "env";
    }

    @Override
    public String summary() {
        return "print the rat4j version, the CPU, the ND4J build loaded and the thread counts (also: --version)";
    }

    @Override
    public int run(String[] args) throws Exception {
        CommandLine cl = CliOptions.parse(name(), "Loads ND4J as every command does and reports what runs: the rat4j"
                + " version, the CPU's model and relevant flags, the ND4J build chosen (and why) and actually loaded,"
                + " libnd4j's binary and CPU levels, and the thread counts. Set RAT4J_ND4J_BUILD=avx512|avx2|generic"
                + " to override the build.", new Options(), args);
        if (cl == null) return 0;
        RuntimeReport report = RuntimeReport.collect();
        Console.stdout().print(report.details());
        return report.facts().containsKey("nd4j") ? 1 : 0;
    }
}
