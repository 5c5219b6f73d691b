package org.rat4j.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** An out-of-memory case is reported as OOM (and the larger T of its mode as predicted OOM), never as a crash. */
class OomHandlingTest {
    @TempDir
    Path dir;

    private static List<WorkerTask.CaseSpec> cases() {
        return new ArrayList<>(List.of(
                new WorkerTask.CaseSpec(Modes.PREFILL, "attention", 1024, 8, 2, 8192),
                new WorkerTask.CaseSpec(Modes.PREFILL, "attention", 1024, 8, 1, 16384),
                new WorkerTask.CaseSpec(Modes.GEN, "attention", 1024, 8, 2, 8192)));
    }

    @Test
    void workerStoppedForMemoryIsOom() {
        List<WorkerTask.CaseSpec> remaining = cases();
        List<LayerResult> r = LayerSuite.failed(remaining, new ChildJvm.Outcome(137, "memory budget 18.0 GiB exceeded", 19L << 30));
        assertEquals(2, r.size());
        assertEquals("oom", r.get(0).status);
        assertEquals(8192, r.get(0).seqLen);
        assertEquals("memory budget 18.0 GiB exceeded", r.get(0).note);
        assertEquals(19L << 30, r.get(0).peakRss);
        assertTrue(r.get(0).flops > 0, "the FLOP count is reported for failed cases too");
        assertEquals("oom-predicted", r.get(1).status);
        assertEquals(16384, r.get(1).seqLen);
        assertEquals("T=8192 ran out of memory", r.get(1).note);
        assertEquals(1, remaining.size(), "the gen case gets a fresh worker");
        assertEquals(Modes.GEN, remaining.get(0).mode);
    }

    @Test
    void killedByTheKernelIsOomOtherExitsAreErrors() {
        List<WorkerTask.CaseSpec> remaining = cases();
        assertEquals("oom", LayerSuite.failed(remaining, new ChildJvm.Outcome(137, null, 0)).get(0).status);
        remaining = cases();
        List<LayerResult> r = LayerSuite.failed(remaining, new ChildJvm.Outcome(1, null, 0));
        assertEquals(1, r.size());
        assertEquals("error", r.get(0).status);
        assertEquals("worker exited with code 1", r.get(0).note);
        assertEquals(2, remaining.size(), "an error does not condemn the larger T");
        remaining = cases();
        r = LayerSuite.failed(remaining, new ChildJvm.Outcome(137, "timed out after 120 s", 0));
        assertEquals(List.of("skipped", "skipped"), r.stream().map(x -> x.status).toList());
    }

    @Test
    void workerPredictsOomBeforeAllocating() {
        WorkerTask t = new WorkerTask();
        t.memoryBudget = 64L << 20;
        t.memoryReserve = 0;
        t.protocol = new LayerBenchmark.Protocol(0, 0, 1, 0, 0, 0);
        LayerResult r = new Worker(t, dir.resolve("protocol.jsonl"))
                .runCase(new WorkerTask.CaseSpec(Modes.PREFILL, "attention", 1024, 8, 1, 16384), null);
        assertEquals("oom-predicted", r.status);
        assertTrue(r.note.startsWith("needs about"), r.note);
        assertNull(r.medianMs);
    }

    /** A child that keeps allocating is stopped by the watcher at its memory limit, with the reason recorded. */
    @Test
    void watcherStopsAGrowingChild() throws Exception {
        long limit = 300L << 20;
        ChildJvm.Outcome o = ChildJvm.run(MemoryHog.class, List.of(), "1g", dir.resolve("hog.log"),
                rss -> rss > limit ? "memory budget 0.3 GiB exceeded" : null);
        assertEquals("memory budget 0.3 GiB exceeded", o.stoppedFor());
        assertFalse(o.clean());
        assertTrue(o.peakRss() > limit, "peak " + o.peakRss());
        List<WorkerTask.CaseSpec> remaining = cases();
        assertEquals("oom", LayerSuite.failed(remaining, o).get(0).status);
    }

    /** Allocates and touches 32 MiB every 50 ms until stopped (at most 900 MiB, then exits normally). */
    public static final class MemoryHog {
        public static void main(String[] args) throws InterruptedException {
            List<byte[]> held = new ArrayList<>();
            for (int i = 0; i < 28; i++) {
                byte[] b = new byte[32 << 20];
                for (int j = 0; j < b.length; j += 4096) b[j] = 1;
                held.add(b);
                Thread.sleep(50);
            }
            System.out.println(held.size());
        }
    }
}
