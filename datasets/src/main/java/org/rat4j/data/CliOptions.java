package org.rat4j.data;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.rat4j.cli.Console;
import org.rat4j.config.ConfigException;

import java.io.PrintWriter;

/**
 * Commons CLI helpers for the commands of this module ({@code rat4j tokenize}, {@code rat4j niah}): {@code --help}
 * on every command and typed option values whose errors name the option.
 */
public final class CliOptions {
    private CliOptions() {
    }

    /** Parses {@code args}; prints usage and returns null when {@code --help} is among them. */
    public static CommandLine parse(String command, String description, Options options, String[] args) throws ParseException {
        options.addOption(Option.builder("h").longOpt("help").desc("print this help and exit").get());
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                PrintWriter w = new PrintWriter(Console.stdout(), true);
                new HelpFormatter().printHelp(w, 100, "rat4j " + command + " [options]", description + "\n\noptions:", options, 2, 2, "", false);
                w.flush();
                return null;
            }
        }
        return new DefaultParser().parse(options, args);
    }

    public static Option optional(String longOpt, String arg, String desc) {
        return Option.builder().longOpt(longOpt).hasArg().argName(arg).desc(desc).get();
    }

    public static Option required(String longOpt, String arg, String desc) {
        return Option.builder().longOpt(longOpt).hasArg().argName(arg).desc(desc).required().get();
    }

    public static Option flag(String longOpt, String desc) {
        return Option.builder().longOpt(longOpt).desc(desc).get();
    }

    public static long longValue(CommandLine cl, String opt, long def, long min) {
        String v = cl.getOptionValue(opt);
        if (v == null) return def;
        long x;
        try {
            x = Long.parseLong(v.trim().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new ConfigException("--" + opt + " must be an integer, got '" + v + "'");
        }
        if (x < min) throw new ConfigException("--" + opt + " must be at least " + min + ", got " + x);
        return x;
    }

    public static int intValue(CommandLine cl, String opt, int def, int min) {
        long x = longValue(cl, opt, def, min);
        if (x > Integer.MAX_VALUE) throw new ConfigException("--" + opt + " is too large: " + x);
        return (int) x;
    }
}
