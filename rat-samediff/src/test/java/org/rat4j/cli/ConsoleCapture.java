package org.rat4j.cli;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * What a command prints, for tests that run the command line: {@link Console}'s output and {@code System.err} are
 * captured for each test and put back after it. Register it as a field:
 * {@code @RegisterExtension final ConsoleCapture console = new ConsoleCapture();}
 */
public final class ConsoleCapture implements BeforeEachCallback, AfterEachCallback {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream oldErr;

    @Override
    public void beforeEach(ExtensionContext context) {
        out.reset();
        err.reset();
        Console.redirect(new PrintStream(out, true, StandardCharsets.UTF_8));
        oldErr = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Console.redirect(System.out);
        System.setErr(oldErr);
    }

    /** Everything printed on the console since the test began or since {@link #resetOut()}. */
    public String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Everything printed on {@code System.err} since the test began or since {@link #resetErr()}. */
    public String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    public void resetOut() {
        out.reset();
    }

    public void resetErr() {
        err.reset();
    }
}
