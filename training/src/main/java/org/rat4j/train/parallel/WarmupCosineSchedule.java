package org.rat4j.train.parallel;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;
import org.rat4j.train.LrSchedule;

/** {@link LrSchedule} as a DL4J {@link ISchedule} (JSON-serialisable, as ParallelWrapper rebuilds replicas from JSON). */
public final class WarmupCosineSchedule implements ISchedule {
    private static final long serialVersionUID = 1L;
    private final double lr;
    private final double minLr;
    private final int warmup;
    private final int total;

    public WarmupCosineSchedule(@JsonProperty("lr") double lr, @JsonProperty("minLr") double minLr,
                                @JsonProperty("warmup") int warmup, @JsonProperty("total") int total) {
        this.lr = lr;
        this.minLr = minLr;
        this.warmup = warmup;
        this.total = total;
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        return new LrSchedule(lr, minLr, warmup, total).at(Math.min(iteration, total - 1));
    }

    @Override
    public ISchedule clone() {
        return new WarmupCosineSchedule(lr, minLr, warmup, total);
    }

    public double getLr() {
        return lr;
    }

    public double getMinLr() {
        return minLr;
    }

    public int getWarmup() {
        return warmup;
    }

    public int getTotal() {
        return total;
    }
}
