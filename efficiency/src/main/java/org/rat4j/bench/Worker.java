package org.rat4j.bench;

import org.rat4j.platform.Nd4jBackends;
import org.bytedeco.javacpp.Pointer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The child JVM that runs layer cases (one mixer and mode, ascending T). It appends one JSON line per event to its
 * protocol file: {@code {"event":"start","key":...}} before a case, {@code {"event":"result","result":{...}}} after.
 * The parent watches its memory and time and stops it when a case exceeds the budget; a fresh worker per group also
 * gives every group a clean native heap (ND4J frees native memory only after collection, and the allocator settings
 * keep freed pages in the process).
 */
public final class Worker {
    /** Share of the heap a decode cache may take before its case is reported as oom-predicted. */
    static final double HEAP_FRACTION = 0.8;

    private final WorkerTask task;
    private final Path out;

    Worker(WorkerTask task, Path out) {
        this.task = task;
        this.out = out;
    }

    public static void main(String[] args) throws IOException {
        Nd4jBackends.select();  // the build this CPU runs, before ND4J loads (as the parent benchmark did)
        WorkerTask task = Json.MAPPER.readValue(Path.of(args[0]).toFile(), WorkerTask.class);
        new Worker(task, Path.of(args[1])).runAll();
        System.exit(0);
    }

    void runAll() throws IOException {
        LayerResult prev = task.previous;
        for (WorkerTask.CaseSpec c : task.cases) {
            Map<String, Object> start = new LinkedHashMap<>();
            start.put("event", "start");
            start.put("key", c.key());
            emit(start);
            LayerResult r = runCase(c, prev);
            Map<String, Object> res = new LinkedHashMap<>();
            res.put("event", "result");
            res.put("result", r);
            emit(res);
            if (r.ok()) prev = r;
            cleanUp();
        }
    }

    private void emit(Map<String, Object> line) throws IOException {
        Files.writeString(out, Json.LINE.writeValueAsString(line) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }

    /** Memory this process may still grow to: the budget, or what the machine has left, whichever is less. */
    long budgetNow() {
        long avail = Memory.availableBytes();
        long rss = Math.max(0, Memory.currentRss());
        if (avail < 0) return task.memoryBudget;
        return Math.min(task.memoryBudget, rss + avail - task.memoryReserve);
    }

    LayerResult runCase(WorkerTask.CaseSpec c, LayerResult prev) {
        MixerSpec mixer = MixerSpec.parse(c.mixer);
        LayerResult r = new LayerResult(c.mode, mixer, c.d, c.heads, c.batch, c.seqLen);
        r.flops = FlopCount.of(c.mode, mixer, c.d, c.heads, c.batch, c.seqLen);
        r.flopsExecuted = FlopCount.executed(c.mode, mixer, c.d, c.heads, c.batch, c.seqLen);
        if (Modes.isGen(c.mode)) r.bytes = FlopCount.genBytes(mixer, c.d, c.heads, c.batch, c.seqLen);
        r.load1 = MachineLimits.load1();
        boolean prevUsable = prev != null && prev.ok() && prev.mode.equals(c.mode) && prev.mixer.equals(c.mixer)
                && prev.peakRss != null;
        long est = prevUsable
                ? MemoryModel.extrapolate(prev.peakRss, c.mode, mixer, c.d, c.heads, prev.batch, prev.seqLen, c.batch, c.seqLen)
                : MemoryModel.estimate(c.mode, mixer, c.d, c.heads, c.batch, c.seqLen);
        r.memEstimate = est;
        long heapNeeded = MemoryModel.heapBytes(c.mode, mixer, c.d, c.batch, c.seqLen);
        long heapMax = Runtime.getRuntime().maxMemory();
        if (heapNeeded > HEAP_FRACTION * heapMax) {
            r.status = "oom-predicted";
            r.note = String.format(Locale.ROOT, "the decode cache needs about %s of JVM heap, the worker has %s"
                    + " (--worker-heap)", Memory.gib(heapNeeded), Memory.gib(heapMax));
            return r;
        }
        long budget = budgetNow();
        if (est > budget) {
            r.status = "oom-predicted";
            r.note = String.format(Locale.ROOT, "needs about %s, budget %s", Memory.gib(est), Memory.gib(budget));
            return r;
        }
        double predictedSeconds = Double.NaN;
        if (prevUsable && prev.medianMs != null) {
            double grow = Math.max(1.0, r.flopsExecuted / prev.flopsExecuted);
            predictedSeconds = prev.medianMs / 1000 * grow;
            if (predictedSeconds > task.caseTimeoutSeconds) {
                r.status = "skipped";
                r.note = String.format(Locale.ROOT, "predicted %.0f s per run (from T=%d) exceeds the %.0f s case limit",
                        predictedSeconds, prev.seqLen, task.caseTimeoutSeconds);
                return r;
            }
        }
        if (task.deadlineMillis > 0) {
            double needed = Double.isNaN(predictedSeconds) ? 0 : predictedSeconds * (1 + Math.min(2, task.protocol.repeats()));
            if (System.currentTimeMillis() + needed * 1000 > task.deadlineMillis) {
                r.status = "skipped";
                r.note = "suite time budget used up";
                return r;
            }
        }
        Memory.resetPeak();
        try {
            LayerBenchmark lb = new LayerBenchmark(mixer, c.d, c.heads, c.batch, c.seqLen, task.seed);
            LayerBenchmark.Timings t = lb.run(c.mode, task.protocol);
            Stats st = Stats.of(t.ms());
            r.status = "ok";
            r.runs = st.n();
            r.medianMs = st.median();
            r.minMs = st.min();
            r.maxMs = st.max();
            r.spreadPct = st.spreadPct();
            r.gflops = r.flops / (st.median() / 1000) / 1e9;
            if (task.gemmGflops > 0) r.gemmFraction = r.gflops / task.gemmGflops;
            if (r.bytes != null) {
                r.gbps = r.bytes / (st.median() / 1000) / 1e9;
                if (task.bandwidthGBps > 0) r.bandwidthFraction = r.gbps / task.bandwidthGBps;
            }
            if (t.forwardMs() != null) {
                r.forwardMs = Stats.of(t.forwardMs()).median();
                r.fillMs = Stats.of(t.fillMs()).median();
            }
        } catch (Throwable e) {
            r.status = Memory.isOutOfMemory(e) ? "oom" : "error";
            r.note = Memory.describe(e);
        }
        r.peakRss = Memory.peakRss();
        r.load1 = MachineLimits.load1();
        return r;
    }

    /** Collects dead arrays so the next case starts from a settled heap. */
    static void cleanUp() {
        System.gc();
        Pointer.deallocateReferences();
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
