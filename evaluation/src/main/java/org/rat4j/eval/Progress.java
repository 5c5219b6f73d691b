package org.rat4j.eval;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A progress bar with rate and ETA on standard error, or nothing when progress is off (tests, pipes). */
public final class Progress implements AutoCloseable {
    private final ProgressBar bar;

    private Progress(ProgressBar bar) {
        this.bar = bar;
    }

    public static Progress start(boolean show, String name, long max, String unit) {
        if (!show) return new Progress(null);
        ProgressBar bar = new ProgressBarBuilder().setTaskName(name).setInitialMax(max).setUnit(" " + unit, 1)
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err)).showSpeed().build();
        return new Progress(bar);
    }

    public void step(long n) {
        if (bar != null) bar.stepBy(n);
    }

    @Override
    public void close() {
        if (bar != null) bar.close();
    }
}
