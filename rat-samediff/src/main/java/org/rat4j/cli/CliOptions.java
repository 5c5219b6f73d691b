package org.rat4j.cli;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.DefaultParser;
import org.apache.commons.cli.HelpFormatter;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.Options;
import org.apache.commons.cli.ParseException;
import org.rat4j.config.ConfigException;
import org.rat4j.io.AtomicFiles;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The Commons CLI handling every {@code rat4j} command shares: {@code --help} on every command, and typed option
 * values whose errors name the option.
 */
public final class CliOptions {
    private CliOptions() {
    }

    /** Parses {@code args}; prints usage and returns null when {@code --help} is among them. */
    public static CommandLine parse(String command, String description, Options options, String[] args) throws ParseException {
        options.addOption(Option.builder("h").longOpt("help").desc("print this help and exit").get());
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

    public static Option optional(String longOpt, String arg, String desc) {
        return Option.builder().longOpt(longOpt).hasArg().argName(arg).desc(desc).get();
    }

    public static Option required(String longOpt, String arg, String desc) {
        return Option.builder().longOpt(longOpt).hasArg().argName(arg).desc(desc).required().get();
    }

    public static Option flag(String longOpt, String desc) {
        return Option.builder().longOpt(longOpt).desc(desc).get();
    }

    public static int intValue(CommandLine cl, String opt, int def) {
        return intValue(cl, opt, def, Integer.MIN_VALUE);
    }

    /** An integer option of at least {@code min} ({@code _} separators allowed: {@code 1_000_000}). */
    public static int intValue(CommandLine cl, String opt, int def, int min) {
        long x = longValue(cl, opt, def, min);
        if (x > Integer.MAX_VALUE) throw new ConfigException("--" + opt + " is too large: " + x);
        return (int) x;
    }

    public static long longValue(CommandLine cl, String opt, long def) {
        return longValue(cl, opt, def, Long.MIN_VALUE);
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

    public static double doubleValue(CommandLine cl, String opt, double def) {
        String v = cl.getOptionValue(opt);
        if (v == null) return def;
        try {
            return Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new ConfigException("--" + opt + " must be a number, got '" + v + "'");
        }
    }

    /**
     * The output file an option names; an existing directory there, or a file where its folder should be, is a clear
     * error, not a failed rename or mkdir later.
     */
    public static Path outputFile(CommandLine cl, String opt) {
        Path p = Path.of(cl.getOptionValue(opt));
        if (Files.isDirectory(p)) throw new ConfigException("--" + opt + " " + p + " is a directory; give a file name");
        Path parent = p.toAbsolutePath().getParent();
        if (parent != null) AtomicFiles.requireDirectoryPath(parent, "--" + opt + " " + p + ": the folder");
        return p;
    }

    /** The output directory an option names; a file there (or in its path) is a clear error, not a failed mkdir later. */
    public static Path outputDirectory(CommandLine cl, String opt) {
        return AtomicFiles.requireDirectoryPath(Path.of(cl.getOptionValue(opt)), "--" + opt);
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
}
