package org.rat4j.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class LayerBenchmarkTest {
    private static final LayerBenchmark.Protocol P = new LayerBenchmark.Protocol(1, 2, 10, 1, 3);

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
        LayerBenchmark.Protocol p = new LayerBenchmark.Protocol(1, 2, 10, 3, 15);
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
}
