package org.rat4j.bench;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;

/**
 * Runs the layer grid: for each mixer and mode, the T values in ascending order in a fresh worker JVM
 * ({@link Worker}) watched for memory and time. Cases that cannot run are reported, never dropped: a T that is
 * larger than the mode's B·T or not a multiple of the chunk length is {@code skipped}; a worker stopped above the
 * memory budget gives {@code oom} for its case and {@code oom-predicted} for the larger T of its group.
 */
public final class LayerSuite {
    private final SuiteConfig config;
    private final MachineLimits limits;
    private final Path workDir;
    private final String workerHeap;
    private final PrintStream log;
    private final long reserve;
    private int done;
    private int total;

    public LayerSuite(SuiteConfig config, MachineLimits limits, Path workDir, String workerHeap, PrintStream log) {
        this.config = config;
        this.limits = limits;
        this.workDir = workDir;
        this.workerHeap = workerHeap;
        this.log = log;
        this.reserve = 1536L << 20;
    }

    /** All cases of the grid, in run order, with the unrunnable ones already resolved (flattened {@link #groups}). */
    public static List<Object> plan(SuiteConfig c) {
        List<Object> out = new ArrayList<>();
        for (List<Object> g : groups(c)) out.addAll(g);
        return out;
    }

    /**
     * The cases grouped per worker, most important first, so that a time budget that runs out cuts the least
     * important cases: attention and RAT(L=16) in every mode; then gen, gen-batch, train and prefill of the other
     * mixers (train only for {@link SuiteConfig#trainMixers}). Within a group each mode's T ascend. Entries are {@link WorkerTask.CaseSpec} or already resolved
     * {@link LayerResult}s (T larger than the mode's B·T, or not a multiple of the chunk length).
     */
    public static List<List<Object>> groups(SuiteConfig c) {
        List<MixerSpec> mixers = c.mixerSpecs();
        List<MixerSpec> primary = mixers.stream().filter(m -> m.label().equals("attention") || m.label().equals("rat16")).toList();
        List<MixerSpec> others = mixers.stream().filter(m -> !primary.contains(m)).toList();
        List<List<Object>> out = new ArrayList<>();
        if (c.workerPerMixer) {
            for (MixerSpec m : mixers) out.add(cases(c, m, c.modes.stream().filter(mode -> c.runs(mode, m.label())).toList()));
            out.removeIf(List::isEmpty);
            return out;
        }
        // One worker per mixer and mode: a fresh native heap for every group.
        for (MixerSpec m : primary) {
            for (String mode : c.modes) if (c.runs(mode, m.label())) out.add(cases(c, m, List.of(mode)));
        }
        for (String mode : List.of(Modes.GEN, Modes.GEN_BATCH, Modes.TRAIN, Modes.PREFILL)) {
            if (!c.modes.contains(mode)) continue;
            for (MixerSpec m : others) if (c.runs(mode, m.label())) out.add(cases(c, m, List.of(mode)));
        }
        out.removeIf(List::isEmpty);
        return out;
    }

    private static List<Object> cases(SuiteConfig c, MixerSpec m, List<String> modes) {
        List<Object> out = new ArrayList<>();
        for (String mode : modes) {
            if (mode.equals(Modes.GEN_BATCH)) {
                for (int b : c.genBatches) {
                    if (c.genBatchSeqLen % m.sequenceMultiple() != 0) continue;
                    out.add(new WorkerTask.CaseSpec(mode, m.label(), c.d, c.heads, b, c.genBatchSeqLen));
                }
                continue;
            }
            for (int t : c.seqLens) {
                int tokens = c.tokens(mode);
                int b = tokens / t;
                if (b < 1) {
                    LayerResult r = new LayerResult(mode, m, c.d, c.heads, 0, t);
                    r.status = "skipped";
                    r.note = "T is larger than the " + mode + " grid's B·T = " + tokens;
                    out.add(r);
                } else if (t % m.sequenceMultiple() != 0) {
                    LayerResult r = new LayerResult(mode, m, c.d, c.heads, b, t);
                    r.status = "skipped";
                    r.note = "T is not a multiple of the chunk length " + m.sequenceMultiple();
                    out.add(r);
                } else {
                    out.add(new WorkerTask.CaseSpec(mode, m.label(), c.d, c.heads, b, t));
                }
            }
        }
        return out;
    }

    public List<LayerResult> run() throws IOException, InterruptedException {
        List<List<Object>> groups = groups(config);
        total = 0;
        for (List<Object> g : groups) total += g.size();
        long deadline = System.currentTimeMillis() + (long) (config.suiteSeconds * 1000);
        List<LayerResult> results = new ArrayList<>();
        for (List<Object> g : groups) {
            List<WorkerTask.CaseSpec> runnable = new ArrayList<>();
            for (Object o : g) {
                if (o instanceof WorkerTask.CaseSpec cs) runnable.add(cs);
                else {
                    results.add((LayerResult) o);
                    progress((LayerResult) o);
                }
            }
            if (!runnable.isEmpty()) results.addAll(runGroup(runnable, deadline));
        }
        return results;
    }

    private List<LayerResult> runGroup(List<WorkerTask.CaseSpec> cases, long deadline) throws IOException, InterruptedException {
        List<LayerResult> out = new ArrayList<>();
        List<WorkerTask.CaseSpec> remaining = new ArrayList<>(cases);
        LayerResult previous = null;
        int attempt = 0;
        while (!remaining.isEmpty()) {
            if (System.currentTimeMillis() > deadline) {
                for (WorkerTask.CaseSpec c : remaining) out.add(progress(resolved(c, "skipped", "suite time budget used up")));
                break;
            }
            WorkerTask task = task(remaining, deadline, previous);
            String tag = remaining.get(0).mixer + "-" + remaining.get(0).mode + "-" + (attempt++);
            Path taskFile = workDir.resolve("tasks").resolve(tag + ".json");
            Path protocol = workDir.resolve("tasks").resolve(tag + ".jsonl");
            Files.createDirectories(taskFile.getParent());
            Files.deleteIfExists(protocol);
            Json.MAPPER.writeValue(taskFile.toFile(), task);
            final long[] caseStart = {System.currentTimeMillis()};
            final String[] current = {null};
            final int[] seen = {0};
            List<LayerResult> got = new ArrayList<>();
            ChildJvm.Outcome outcome = ChildJvm.run(Worker.class, List.of(taskFile.toString(), protocol.toString()),
                    heapFor(remaining), workDir.resolve("logs").resolve("worker-" + tag + ".log"), rss -> {
                        // read new protocol lines
                        for (JsonNode n : readLines(protocol, seen)) {
                            if (n.get("event").asText().equals("start")) {
                                current[0] = n.get("key").asText();
                                caseStart[0] = System.currentTimeMillis();
                            } else {
                                LayerResult r = Json.LINE.convertValue(n.get("result"), LayerResult.class);
                                got.add(progress(r));
                                current[0] = null;
                            }
                        }
                        long avail = Memory.availableBytes();
                        if (rss > config.memoryBudget) return "memory budget " + Memory.gib(config.memoryBudget) + " exceeded";
                        if (avail >= 0 && avail < reserve / 2) return "machine memory nearly exhausted (" + Memory.gib(avail) + " left)";
                        double limit = config.caseTimeoutSeconds * (1 + config.protocol().maxWarmup()) + 60;
                        if (current[0] != null && System.currentTimeMillis() - caseStart[0] > limit * 1000) {
                            return String.format(Locale.ROOT, "timed out after %.0f s", limit);
                        }
                        return null;
                    });
            for (JsonNode n : readLines(protocol, seen)) {
                if (n.get("event").asText().equals("result")) {
                    got.add(progress(Json.LINE.convertValue(n.get("result"), LayerResult.class)));
                    current[0] = null;
                } else {
                    current[0] = n.get("key").asText();
                }
            }
            out.addAll(got);
            for (LayerResult r : got) if (r.ok()) previous = r;
            if (previous != null && !remaining.isEmpty() && !previous.mode.equals(remaining.get(0).mode)) previous = null;
            Set<String> finished = new HashSet<>();
            for (LayerResult r : got) finished.add(r.key());
            remaining.removeIf(c -> finished.contains(c.key()));
            if (outcome.clean() || remaining.isEmpty()) {
                if (!remaining.isEmpty()) {
                    for (WorkerTask.CaseSpec c : remaining) out.add(progress(resolved(c, "error", "worker ended early")));
                }
                break;
            }
            // The worker was stopped or died during the first remaining case: report it, and go on with a fresh worker.
            for (LayerResult f : failed(remaining, outcome)) out.add(progress(f));
        }
        return out;
    }

    /**
     * The results for a worker that was stopped (or died) while running {@code remaining.get(0)}: that case is
     * {@code oom} when the watcher stopped it for memory or the kernel killed it (exit 137), {@code skipped} when it
     * timed out, else {@code error}; after an OOM or a time-out, the larger T of the same mode would fail the same way
     * and are reported as {@code oom-predicted} / {@code skipped}. Removes every case it reports from {@code remaining}.
     */
    static List<LayerResult> failed(List<WorkerTask.CaseSpec> remaining, ChildJvm.Outcome outcome) {
        List<LayerResult> out = new ArrayList<>();
        WorkerTask.CaseSpec failed = remaining.remove(0);
        String why = outcome.stoppedFor() != null ? outcome.stoppedFor() : "worker exited with code " + outcome.exitCode();
        boolean timeout = outcome.stoppedFor() != null && why.startsWith("timed out");
        boolean memory = outcome.stoppedFor() != null ? !timeout : outcome.exitCode() == 137;
        LayerResult f = resolved(failed, memory ? "oom" : timeout ? "skipped" : "error", why);
        f.peakRss = outcome.peakRss();
        out.add(f);
        if (memory || timeout) {
            String status = memory ? "oom-predicted" : "skipped";
            String note = "T=" + failed.seqLen + (memory ? " ran out of memory" : " timed out");
            List<WorkerTask.CaseSpec> same = remaining.stream().filter(c -> c.mode.equals(failed.mode)).toList();
            for (WorkerTask.CaseSpec c : same) out.add(resolved(c, status, note));
            remaining.removeAll(same);
        }
        return out;
    }

    /**
     * The worker's -Xmx: {@code --worker-heap}, or more when a decode cache of the group needs it (rat4j keeps decode
     * caches in Java arrays; attention at B=256, T=4096, D=1024 holds 8 GiB), up to the memory budget less
     * {@value #NATIVE_MARGIN_GIB} GiB for native memory.
     */
    String heapFor(List<WorkerTask.CaseSpec> cases) {
        long base = Memory.parseSize(workerHeap);
        long needed = 0;
        for (WorkerTask.CaseSpec c : cases) {
            long cache = MemoryModel.heapBytes(c.mode, MixerSpec.parse(c.mixer), c.d, c.batch, c.seqLen);
            needed = Math.max(needed, (long) (cache / Worker.HEAP_FRACTION) + Memory.GIB);
        }
        long cap = config.memoryBudget - NATIVE_MARGIN_GIB * Memory.GIB;
        long heap = Math.max(base, Math.min(needed, cap));
        return heap == base ? workerHeap : (heap >> 20) + "m";
    }

    static final long NATIVE_MARGIN_GIB = 4;

    private WorkerTask task(List<WorkerTask.CaseSpec> cases, long deadline, LayerResult previous) {
        WorkerTask t = new WorkerTask();
        t.cases = new ArrayList<>(cases);
        t.protocol = config.protocol();
        boolean primary = cases.get(0).mixer.equals("attention") || cases.get(0).mixer.equals("rat16");
        t.caseTimeoutSeconds = primary || config.secondaryCaseTimeoutSeconds <= 0 ? config.caseTimeoutSeconds
                : config.secondaryCaseTimeoutSeconds;
        t.memoryBudget = config.memoryBudget;
        t.memoryReserve = reserve;
        t.deadlineMillis = deadline;
        t.seed = config.seed;
        t.gemmGflops = limits == null ? 0 : limits.gemmGflops;
        t.bandwidthGBps = limits == null ? 0 : limits.bandwidthGBps;
        t.previous = previous;
        return t;
    }

    private static LayerResult resolved(WorkerTask.CaseSpec c, String status, String note) {
        LayerResult r = new LayerResult(c.mode, MixerSpec.parse(c.mixer), c.d, c.heads, c.batch, c.seqLen);
        MixerSpec m = MixerSpec.parse(c.mixer);
        r.flops = FlopCount.of(c.mode, m, c.d, c.heads, c.batch, c.seqLen);
        r.flopsExecuted = FlopCount.executed(c.mode, m, c.d, c.heads, c.batch, c.seqLen);
        r.status = status;
        r.note = note;
        r.load1 = MachineLimits.load1();
        return r;
    }

    private static List<JsonNode> readLines(Path protocol, int[] seen) {
        List<JsonNode> out = new ArrayList<>();
        if (!Files.exists(protocol)) return out;
        try {
            List<String> lines = Files.readAllLines(protocol, StandardCharsets.UTF_8);
            // only complete lines (the last may still be being written)
            String text = Files.readString(protocol, StandardCharsets.UTF_8);
            int complete = text.endsWith("\n") ? lines.size() : lines.size() - 1;
            for (int i = seen[0]; i < complete; i++) {
                if (!lines.get(i).isBlank()) out.add(Json.LINE.readTree(lines.get(i)));
            }
            seen[0] = Math.max(seen[0], complete);
        } catch (IOException e) {
            // retried at the next poll
        }
        return out;
    }

    private LayerResult progress(LayerResult r) {
        done++;
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "[%3d/%d] %-7s %-16s T=%-6d B=%-4d ",
                done, total, r.mode, r.mixer, r.seqLen, r.batch));
        if (r.ok()) {
            s.append(String.format(Locale.ROOT, "%10.2f ms (%d runs, spread %3.0f%%) %6.1f GFLOP/s", r.medianMs, r.runs,
                    r.spreadPct, r.gflops));
            if (r.gemmFraction != null) s.append(String.format(Locale.ROOT, " %3.0f%% of GEMM", 100 * r.gemmFraction));
            if (r.gbps != null) s.append(String.format(Locale.ROOT, " %5.1f GB/s", r.gbps));
            if (r.peakRss != null) s.append(" peak ").append(Memory.gib(r.peakRss));
        } else {
            s.append(r.status.toUpperCase(Locale.ROOT)).append(r.note == null ? "" : " (" + r.note + ")");
        }
        if (r.load1 != null) s.append(String.format(Locale.ROOT, " load %.1f", r.load1));
        log.println(s);
        log.flush();
        return r;
    }
}
