package org.rat4j.cli;

import java.io.PrintStream;

/**
 * The process's real standard output. ND4J/SameDiff print diagnostics to {@code System.out}, so the command-line
 * entry point sends {@code System.out} to standard error and commands print their results here, keeping stdout
 * clean for pipes ({@code rat4j generate ... | ...}).
 */
public final class Console {
    private static volatile PrintStream stdout = System.out;

    private Console() {
    }

    public static PrintStream stdout() {
        return stdout;
    }

    /** Sends results to {@code out} instead (tests capture command output this way). */
    public static void redirect(PrintStream out) {
        stdout = out;
    }

    /** Called once by the entry point before any ND4J code runs. */
    public static void captureStdout() {
        stdout = System.out;
        System.setOut(System.err);
    }
}
