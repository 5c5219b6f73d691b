package org.rat4j.compat;

import java.io.PrintStream;

/**
 * The one place where rat4j works around DL4J / ND4J / SameDiff 1.0.0-M2.1. Each method names the problem and
 * links its item in docs/dl4j-notes.md, so that a fixed DL4J means editing this file.
 */
public final class Dl4jM21 {
    /** What SameDiff prints, once per op, each time it builds a gradient graph. */
    static final String GRADIENT_LOG_PREFIX = "Added differentiated op ";
    /** {@code -Drat4j.samediff.verbose=true} keeps SameDiff's gradient-graph lines. */
    public static final String VERBOSE_PROPERTY = "rat4j.samediff.verbose";

    private Dl4jM21() {
    }

    /**
     * docs/dl4j-notes.md item 11: {@code SameDiff.createGradFunction} prints "Added differentiated op NAME" with
     * {@code System.out.println} for every op of every gradient graph it builds (hundreds of lines for one rat4j
     * model, again for every new sequence length), also inside a user's own DL4J training. This drops exactly those
     * lines: {@code System.out} becomes a stream that passes everything else through unchanged. Idempotent;
     * rat4j's layers and models call it when they load.
     */
    public static synchronized void quietGradientLog() {
        if (System.out instanceof QuietGradientLog || Boolean.getBoolean(VERBOSE_PROPERTY)) return;
        System.setOut(new QuietGradientLog(System.out));
    }

    /** Forwards to the stream it wraps, except the lines SameDiff prints while differentiating. */
    static final class QuietGradientLog extends PrintStream {
        QuietGradientLog(PrintStream target) {
            super(target, true);
        }

        @Override
        public void println(String line) {
            if (line != null && line.startsWith(GRADIENT_LOG_PREFIX)) return;
            super.println(line);
        }
    }
}
