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
        assertEquals(64 + 19 * 16, new LayerBenchmark(MixerSpec.parse("ratplus16-0-4"), 32, 2, 1, 64, 1).genCapacity(p));
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
}
