package org.rat4j.bench;

import java.util.Arrays;

/** Median, min, max and spread of repeated timings. */
public record Stats(double median, double min, double max, int n) {
    public static Stats of(double[] values) {
        if (values.length == 0) throw new IllegalArgumentException("no values");
        double[] s = values.clone();
        Arrays.sort(s);
        int n = s.length;
        double med = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
        return new Stats(med, s[0], s[n - 1], n);
    }

    /** (max − min) / median, in percent. */
    public double spreadPct() {
        return median == 0 ? 0 : 100 * (max - min) / median;
    }
}
