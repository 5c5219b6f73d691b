package org.rat4j.train;

/**
 * The reference learning-rate schedule (spec §5.2): a linear warmup over {@code warmup} steps,
 * {@code lr·(step+1)/warmup}, then a cosine from {@code lr} towards {@code minLr}, reached at step {@code total} (one after the last):
 * {@code minLr + (lr − minLr)·(1 + cos(π·(step − warmup)/(total − warmup)))/2}. Steps count from 0; the scheduler
 * advances once per iteration (also for RAT+ joint training, whose iterations make two updates).
 */
public record LrSchedule(double lr, double minLr, int warmup, int total) {
    public LrSchedule {
        if (total < 1) throw new IllegalArgumentException("total steps must be >= 1, got " + total);
        if (warmup < 0 || warmup > total) throw new IllegalArgumentException("warmup must be in [0, total], got " + warmup);
    }

    /** The learning rate of step {@code step} (0-based), as the reference's {@code _CosineAnnealingLR.get_lr}. */
    public double at(int step) {
        if (step < warmup) return lr * (step + 1) / warmup;
        double progress = (double) (step - warmup) / (total - warmup);
        return minLr + (lr - minLr) * (1 + Math.cos(Math.PI * progress)) / 2;
    }
}
