package org.rat4j.launcher;

import org.rat4j.cli.Console;
import org.rat4j.cli.Subcommand;
import org.rat4j.config.ConfigException;
import org.rat4j.config.ConfigReader;
import org.rat4j.platform.Nd4jBackends;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.*;

/** The {@code rat4j} command line: {@code rat4j <command> [options]}, {@code rat4j <command> --help}. */
public final class Rat4j {
    private static final Logger LOG = LoggerFactory.getLogger(Rat4j.class);

    private Rat4j() {
    }

    /** All commands, in the order {@code --help} lists them. */
    static List<Subcommand> commands() {
        return List.of(new InitCommand(), new TrainCommand(), new ScoreCommand(), new GenerateCommand(),
                new ImportCommand(), new ExportCommand(), new org.rat4j.data.shard.TokenizeCommand(), new org.rat4j.data.niah.NiahCommand(),
                new CompareCommand(), new org.rat4j.eval.command.EvalCommand(), new EnvCommand());
    }

    public static void main(String[] args) {
        Console.captureStdout();
        // Before anything loads ND4J: the fastest build this CPU can execute (a wrong one dies of SIGILL).
        try {
            Nd4jBackends.select();
        } catch (Nd4jBackends.UnsupportedPlatformException e) {
            System.err.println("rat4j: error: " + e.getMessage());
            System.exit(2);
        }
        System.exit(run(args));
    }

    /** Runs a command line and returns the exit code (0 ok, 1 failure, 2 bad input or usage). */
    public static int run(String[] args) {
        Map<String, Subcommand> byName = new LinkedHashMap<>();
        for (Subcommand c : commands()) byName.put(c.name(), c);
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            usage(byName.values());
            return args.length == 0 ? 2 : 0;
        }
        Subcommand cmd = byName.get(args[0].equals("--version") ? "env" : args[0]);
        if (cmd == null) {
            String near = ConfigReader.nearest(args[0], byName.keySet());
            System.err.println("rat4j: unknown command '" + args[0] + "'" + (near == null ? "" : "; did you mean '" + near + "'?"));
            usage(byName.values());
            return 2;
        }
        Activity.clear();
        try {
            return cmd.run(Arrays.copyOfRange(args, 1, args.length));
        } catch (ConfigException e) {
            System.err.println("rat4j " + cmd.name() + ": error: " + e.getMessage());
            return 2;
        } catch (org.apache.commons.cli.ParseException e) {
            System.err.println("rat4j " + cmd.name() + ": " + e.getMessage() + " (see 'rat4j " + cmd.name() + " --help')");
            return 2;
        } catch (java.nio.file.NoSuchFileException e) {
            System.err.println("rat4j " + cmd.name() + ": error: file not found: " + e.getFile());
            return 2;
        } catch (OutOfMemoryError e) {
            System.err.println(Activity.outOfMemory(cmd.name(), e));
            return 1;
        } catch (Exception e) {
            OutOfMemoryError oom = outOfMemoryCause(e);
            if (oom != null) {
                System.err.println(Activity.outOfMemory(cmd.name(), oom));
            } else {
                LOG.error("rat4j {} failed", cmd.name(), e);
            }
            return 1;
        }
    }

    /** ND4J reports some failed native allocations as an exception caused by an OutOfMemoryError. */
    private static OutOfMemoryError outOfMemoryCause(Throwable e) {
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof OutOfMemoryError oom) return oom;
        }
        return null;
    }

    private static void usage(Collection<Subcommand> cmds) {
        StringBuilder sb = new StringBuilder("usage: rat4j <command> [options]   (rat4j <command> --help for its options)\n\ncommands:\n");
        for (Subcommand c : cmds) sb.append(String.format("  %-10s %s%n", c.name(), c.summary()));
        Console.stdout().print(sb);
    }
}
