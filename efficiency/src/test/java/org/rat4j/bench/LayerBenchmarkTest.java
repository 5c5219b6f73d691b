package org.rat4j.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class LayerBenchmarkTest {
    private static final LayerBenchmark.Protocol P = new LayerBenchmark.Protocol(1, 1, 2, 10, 1, 3);

    @Test
    void everyMixerRunsEveryMode() {
        for (String mixer : new String[]{"attention", "swa8", "rnn", "rat8", "ratplus4-4-2"}) {
            LayerBenchmark lb = new LayerBenchmark(MixerSpec.parse(mixer), 32, 2, 2, 16, 1);
            for (String mode : Modes.ALL) {
                LayerBenchmark.Timings t = lb.run(mode, P);
                int expected = Modes.isGen(mode) ? 3 : 2;
                assertEquals(expected, t.ms().length, mixer + " " + mode);
                for (double ms : t.ms()) assertTrue(ms > 0);
                if (mode.equals(Modes.PREFILL)) {
                    assertEquals(2, t.forwardMs().length);
                    assertTrue(t.fillMs()[0] >= 0);
                }
            }
        }
    }

    @Test
    void genCapacityLeavesRoomForRepeatedAppends() {
        LayerBenchmark.Protocol p = new LayerBenchmark.Protocol(1, 1, 2, 10, 3, 15);
        int steps = LayerBenchmark.GEN_WARMUP_MAX_STEPS + 15 + 1;                          // the longest warm-up, 15 timed, 1
        assertEquals(64 + steps * 16, new LayerBenchmark(MixerSpec.parse("ratplus16-0-4"), 32, 2, 1, 64, 1).genCapacity(p));
        assertEquals(64, new LayerBenchmark(MixerSpec.parse("attention"), 32, 2, 1, 64, 1).genCapacity(p));
    }

    @Test
    void repeaterStopsAtTheTimeLimitButTimesOnce() {
        LayerBenchmark.Repeater r = new LayerBenchmark.Repeater(1, 5, 0.001, false);
        int runs = 0;
        while (r.more()) {
            r.record(5, Double.NaN, Double.NaN);
            runs++;
        }
        assertEquals(2, runs, "one warm-up, then one timed run over the limit");
        assertEquals(1, r.timings(false).ms().length);
    }

    @Test
    void timedWarmupRunsUntilItsTimeOrItsStepCap() {
        LayerBenchmark.Repeater byTime = new LayerBenchmark.Repeater(2, 3, 100, false).warmingFor(0.050, 100);
        int runs = 0;
        while (byTime.more()) {
            byTime.record(10, Double.NaN, Double.NaN);                                  // 10 ms per run
            runs++;
        }
        assertEquals(5 + 3, runs, "five warm-ups reach 50 ms, then the three timed runs");
        assertEquals(3, byTime.timings(false).ms().length);

        LayerBenchmark.Repeater byCap = new LayerBenchmark.Repeater(2, 1, 100, false).warmingFor(1000, 7);
        runs = 0;
        while (byCap.more()) {
            byCap.record(10, Double.NaN, Double.NaN);
            runs++;
        }
        assertEquals(7 + 1, runs, "the cap of 7 warm-ups, then one timed run");
    }

    @Test
    void settlingWarmupRunsUntilTwoRunsAgreeOrItsCap() {
        // 5000, 3000, 2400 ms: 3000 vs 5000 and 2400 vs 3000 differ by more than 15%; 2300 vs 2400 agrees, so the
        // run of 2300 ms is the first timed one.
        double[] walls = {5000, 3000, 2400, 2300, 2350, 2310};
        LayerBenchmark.Repeater r = new LayerBenchmark.Repeater(1, 2, 100, false).settling(4);
        int runs = 0;
        while (r.more()) r.record(walls[runs++], Double.NaN, Double.NaN);
        assertEquals(5, runs);
        assertArrayEquals(new double[]{2300, 2350}, r.timings(false).ms(), 0.0);

        // Never settling: four warm-ups at most, then the timed runs.
        double[] jumpy = {1000, 2000, 1000, 2000, 1000, 2000};
        LayerBenchmark.Repeater capped = new LayerBenchmark.Repeater(1, 2, 100, false).settling(4);
        runs = 0;
        while (capped.more()) capped.record(jumpy[runs++], Double.NaN, Double.NaN);
        assertEquals(6, runs);
        assertArrayEquals(new double[]{1000, 2000}, capped.timings(false).ms(), 0.0);

        // Steady from the start: one warm-up, as without settling.
        LayerBenchmark.Repeater steady = new LayerBenchmark.Repeater(1, 2, 100, false).settling(4);
        runs = 0;
        while (steady.more()) {
            steady.record(100 + runs, Double.NaN, Double.NaN);
            runs++;
        }
        assertEquals(3, runs);
    }
}
