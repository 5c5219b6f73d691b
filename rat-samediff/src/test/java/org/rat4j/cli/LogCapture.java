package org.rat4j.cli;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The log lines written while it is open, for tests that check what a command or a run reports: every event the
 * root logger passes on (its level and formatted message), and the warnings among them.
 * <pre>
 *   try (LogCapture log = new LogCapture()) { ...; assertTrue(log.warned("past the model's seq_len")); }
 * </pre>
 */
public final class LogCapture implements AutoCloseable {
    private record Line(Level level, String message) {
        @Override
        public String toString() {
            return level + " " + message;
        }
    }

    private final List<Line> lines = new CopyOnWriteArrayList<>();
    private final LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    private final AbstractAppender appender = new AbstractAppender("test-capture-" + System.nanoTime(), null, null, true,
            Property.EMPTY_ARRAY) {
        @Override
        public void append(LogEvent event) {
            lines.add(new Line(event.getLevel(), event.getMessage().getFormattedMessage()));
        }
    };

    public LogCapture() {
        appender.start();
        ctx.getConfiguration().getRootLogger().addAppender(appender, null, null);
        ctx.updateLoggers();
    }

    /** The messages logged at WARN or above. */
    public List<String> warnings() {
        return lines.stream().filter(l -> l.level().isMoreSpecificThan(Level.WARN)).map(Line::message).toList();
    }

    /** Whether a warning containing {@code text} was logged. */
    public boolean warned(String text) {
        return warnings().stream().anyMatch(w -> w.contains(text));
    }

    /** The lines of any level that contain {@code text}, each as {@code "LEVEL message"}. */
    public List<String> containing(String text) {
        return lines.stream().map(Line::toString).filter(l -> l.contains(text)).toList();
    }

    @Override
    public void close() {
        ctx.getConfiguration().getRootLogger().removeAppender(appender.getName());
        ctx.updateLoggers();
        appender.stop();
    }
}
