package org.rat4j.train;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Appender;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.layout.PatternLayout;

import java.nio.file.Path;

/**
 * Adds {@code train.log} in the run folder to Log4j2 for the duration of a run. Per-step lines go to the logger
 * {@value #STEPS}: into the file always, onto the console only when no progress bar is drawn there.
 */
public final class RunLogging implements AutoCloseable {
    public static final String STEPS = "rat4j.steps";
    public static final String FILE = "train.log";
    private final LoggerContext ctx;
    private final Appender appender;

    private RunLogging(LoggerContext ctx, Appender appender) {
        this.ctx = ctx;
        this.appender = appender;
    }

    public static RunLogging start(Path runDir, boolean stepsOnConsole) {
        org.apache.logging.log4j.spi.LoggerContext any = LogManager.getContext(false);
        if (!(any instanceof LoggerContext ctx)) return new RunLogging(null, null);  // another SLF4J binding: no file log
        Configuration config = ctx.getConfiguration();
        PatternLayout layout = PatternLayout.newBuilder().withConfiguration(config)
                .withPattern("%d{yyyy-MM-dd HH:mm:ss} %-5level %c{1} - %msg%n").build();
        FileAppender app = FileAppender.newBuilder().setName("rat4j-run-" + System.nanoTime())
                .withFileName(runDir.resolve(FILE).toString()).withAppend(true).setLayout(layout).setConfiguration(config).build();
        app.start();
        config.addAppender(app);
        config.getRootLogger().addAppender(app, null, null);
        LoggerConfig steps = new LoggerConfig(STEPS, Level.INFO, stepsOnConsole);
        if (!stepsOnConsole) steps.addAppender(app, null, null);
        config.removeLogger(STEPS);
        config.addLogger(STEPS, steps);
        ctx.updateLoggers();
        return new RunLogging(ctx, app);
    }

    @Override
    public void close() {
        if (ctx == null) return;
        Configuration config = ctx.getConfiguration();
        config.getRootLogger().removeAppender(appender.getName());
        config.removeLogger(STEPS);
        ctx.updateLoggers();
        appender.stop();
    }
}
