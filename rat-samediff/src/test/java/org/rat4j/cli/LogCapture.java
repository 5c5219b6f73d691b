package org.rat4j.cli;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Collects the warnings logged while it is open, for tests that check a warning is given (once, with its text). */
public final class LogCapture implements AutoCloseable {
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    private final AbstractAppender appender = new AbstractAppender("test-capture-" + System.nanoTime(), null, null, true,
            Property.EMPTY_ARRAY) {
        @Override
        public void append(LogEvent event) {
            if (event.getLevel().isMoreSpecificThan(Level.WARN)) warnings.add(event.getMessage().getFormattedMessage());
        }
    };

    public LogCapture() {
        appender.start();
        ctx.getConfiguration().getRootLogger().addAppender(appender, Level.WARN, null);
        ctx.updateLoggers();
    }

    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** Whether a warning containing {@code text} was logged. */
    public boolean warned(String text) {
        return warnings.stream().anyMatch(w -> w.contains(text));
    }

    @Override
    public void close() {
        ctx.getConfiguration().getRootLogger().removeAppender(appender.getName());
        ctx.updateLoggers();
        appender.stop();
    }
}
