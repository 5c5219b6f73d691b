package org.rat4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

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

    /** Whether the process talks to a terminal (standard input and output), where streamed text is its own progress. */
    public static boolean isTerminal() {
        return System.console() != null;
    }

    /** Writes text as UTF-8, whatever the platform's encoding, and flushes it (streamed output appears at once). */
    public static void write(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        stdout.write(b, 0, b.length);
        stdout.flush();
    }

    /** Sends results to {@code out} instead (tests capture command output this way). */
    public static void redirect(PrintStream out) {
        stdout = out;
    }

    /**
     * Called once by the entry point before any ND4J code runs. SameDiff's "Added differentiated op ..." lines (one
     * per op, each time a gradient graph is built) carry nothing for a user and are dropped; everything else printed
     * on {@code System.out} goes to standard error.
     */
    public static void captureStdout() {
        stdout = System.out;
        System.setOut(new PrintStream(new LineFilter(System.err, "Added differentiated op"), true, StandardCharsets.UTF_8));
    }

    /** Passes whole lines to {@code target}, except those starting with {@code dropPrefix}. */
    static final class LineFilter extends OutputStream {
        private final PrintStream target;
        private final byte[] dropPrefix;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        LineFilter(PrintStream target, String dropPrefix) {
            this.target = target;
            this.dropPrefix = dropPrefix.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public synchronized void write(int b) {
            line.write(b);
            if (b == '\n') emit();
        }

        @Override
        public synchronized void flush() {
            target.flush();
        }

        private void emit() {
            byte[] bytes = line.toByteArray();
            line.reset();
            if (!startsWith(bytes)) target.write(bytes, 0, bytes.length);
        }

        private boolean startsWith(byte[] bytes) {
            if (bytes.length < dropPrefix.length) return false;
            for (int i = 0; i < dropPrefix.length; i++) if (bytes[i] != dropPrefix[i]) return false;
            return true;
        }
    }
}
