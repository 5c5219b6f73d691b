package org.rat4j.cli;

import org.apache.commons.cli.*;
import org.rat4j.config.ConfigException;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Shared Commons CLI handling: {@code --help} on every command, and typed option values with clear errors. */
public final class CommandLines {
    private CommandLines() {
    }

    /**
     * Parses {@code args}; returns null after printing usage when {@code --help} is given.
     */
    public static CommandLine parse(String command, String description, Options options, String[] args) throws ParseException {
        options.addOption(Option.builder("h").longOpt("help").desc("print this help and exit").build());
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                printHelp(command, description, options);
                return null;
            }
        }
        return new DefaultParser().parse(options, args);
    }

    public static void printHelp(String command, String description, Options options) {
        PrintWriter w = new PrintWriter(Console.stdout(), true);
        new HelpFormatter().printHelp(w, 100, "rat4j " + command + " [options]", description + "\n\noptions:", options, 2, 2, "", false);
        w.flush();
    }

    public static int intValue(CommandLine cl, String opt, int def) {
        String v = cl.getOptionValue(opt);
        if (v == null) return def;
        try {
            return Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException("--" + opt + " must be an integer, got '" + v + "'");
        }
    }

    public static long longValue(CommandLine cl, String opt, long def) {
        String v = cl.getOptionValue(opt);
        if (v == null) return def;
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException("--" + opt + " must be an integer, got '" + v + "'");
        }
    }

    public static double doubleValue(CommandLine cl, String opt, double def) {
        String v = cl.getOptionValue(opt);
        if (v == null) return def;
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException("--" + opt + " must be a number, got '" + v + "'");
        }
    }

    /** A comma-separated list of token ids, e.g. {@code 1,5,9}. */
    public static int[] tokenIds(String text, String opt) {
        List<Integer> ids = new ArrayList<>();
        for (String part : text.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) continue;
            try {
                ids.add(Integer.parseInt(p));
            } catch (NumberFormatException e) {
                throw new ConfigException("--" + opt + " must be comma-separated token ids like 1,5,9; '" + p + "' is not an integer");
            }
        }
        if (ids.isEmpty()) throw new ConfigException("--" + opt + " holds no token ids");
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    static Option required(String longOpt, String arg, String desc) {
        return Option.builder().longOpt(longOpt).hasArg().argName(arg).desc(desc).required().build();
    }

    static Option flag(String longOpt, String desc) {
        return Option.builder().longOpt(longOpt).desc(desc).build();
    }

    static Option optional(String longOpt, String arg, String desc) {
        return Option.builder().longOpt(longOpt).hasArg().argName(arg).desc(desc).build();
    }
}
