package org.rat4j.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Log axes span whole decades, so that every chart carries labels (XChart labels powers of ten only). */
class ChartsTest {
    @Test
    void axesWidenToDecades() {
        assertArrayEquals(new double[]{1000, 10000}, Charts.decadeRange(1500, 9600), 1e-9);
        assertArrayEquals(new double[]{1000, 10000}, Charts.decadeRange(1000, 1000), 1e-9, "at least one decade");
        assertArrayEquals(new double[]{0.1, 100}, Charts.decadeRange(0.5, 20), 1e-12);
        assertArrayEquals(new double[]{100, 100000}, Charts.decadeRange(512, 16384), 1e-9);
    }
}
