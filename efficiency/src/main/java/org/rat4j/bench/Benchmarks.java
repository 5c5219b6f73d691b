package org.rat4j.bench;

import org.rat4j.platform.Nd4jBackends;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.commons.cli.*;
import org.rat4j.io.AtomicFiles;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.*;

/**
 * The benchmark command: machine limits, the layer grid, the PyTorch peer on the same shapes, a profile of
 * the cases the targets are about, and whole-model throughput; then CSV, JSON, charts and a summary in one folder.
 * Heavy work runs in child processes watched for memory and time, so this JVM stays small and an out-of-memory
 * case is reported as OOM instead of taking the machine down. {@code --help} lists the options.
 */
public final class Benchmarks {
    private Benchmarks() {
    }

    static Options options() {
        Options o = new Options();
        o.addOption(Option.builder().longOpt("suite").hasArg().argName("NAME").desc("default (2-core CPU), gpu (paper grid) or quick (smoke run); default: default").build());
        o.addOption(Option.builder().longOpt("modes").hasArg().argName("LIST").desc("train,prefill,gen,gen-batch (default: all)").build());
        o.addOption(Option.builder().longOpt("mixers").hasArg().argName("LIST").desc("e.g. attention,swa1024,rnn,rat16,rat64,ratplus16-0-4 (RAT+ as ratplus<Dl>-<W>-<P>, Dl=-1 written n)").build());
        o.addOption(Option.builder().longOpt("train-mixers").hasArg().argName("LIST").desc("mixers of the train mode (default suite: attention,rat16,rnn,rat64; 'all' for every mixer)").build());
        o.addOption(Option.builder().longOpt("gen-batches").hasArg().argName("LIST").desc("batches of gen-batch (one step at position T-1 of --gen-batch-seq-len)").build());
        o.addOption(Option.builder().longOpt("gen-batch-seq-len").hasArg().argName("T").desc("T of gen-batch (default 4096)").build());
        o.addOption(Option.builder().longOpt("seq-lens").hasArg().argName("LIST").desc("the T grid, e.g. 512,1024,2048").build());
        o.addOption(Option.builder().longOpt("d-model").hasArg().argName("D").desc("model width D").build());
        o.addOption(Option.builder().longOpt("heads").hasArg().argName("H").desc("number of heads (head size D/H)").build());
        o.addOption(Option.builder().longOpt("tokens").hasArg().argName("N").desc("B·T of every mode").build());
        o.addOption(Option.builder().longOpt("tokens-train").hasArg().argName("N").desc("B·T of train").build());
        o.addOption(Option.builder().longOpt("tokens-prefill").hasArg().argName("N").desc("B·T of prefill").build());
        o.addOption(Option.builder().longOpt("tokens-gen").hasArg().argName("N").desc("B·T of gen (B sequences decoding at T-1)").build());
        o.addOption(Option.builder().longOpt("warmup").hasArg().argName("N").desc("untimed runs per case").build());
        o.addOption(Option.builder().longOpt("max-warmup").hasArg().argName("N").desc("most untimed runs of a train/prefill case while consecutive runs differ by more than "
                + Math.round(LayerBenchmark.SETTLE_TOLERANCE * 100) + "% (default 4; quick 1)").build());
        o.addOption(Option.builder().longOpt("repeats").hasArg().argName("N").desc("timed runs per case (train, prefill)").build());
        o.addOption(Option.builder().longOpt("case-timeout").hasArg().argName("SECONDS").desc("skip a case predicted to take longer per run").build());
        o.addOption(Option.builder().longOpt("suite-seconds").hasArg().argName("SECONDS").desc("time budget of the layer grid").build());
        o.addOption(Option.builder().longOpt("memory-budget").hasArg().argName("GiB").desc("memory a case may use (default 18; less if the machine has less free)").build());
        o.addOption(Option.builder().longOpt("worker-heap").hasArg().argName("SIZE").desc("-Xmx of the worker JVMs (default 6g; more, up to the memory budget less "
                + LayerSuite.NATIVE_MARGIN_GIB + " GiB, for a decode cache that needs it)").build());
        o.addOption(Option.builder().longOpt("out").hasArg().argName("DIR").desc("results folder (default efficiency/results/latest)").build());
        o.addOption(Option.builder().longOpt("peer").desc("run the PyTorch peer on the same shapes (default)").build());
        o.addOption(Option.builder().longOpt("no-peer").desc("do not run the PyTorch peer").build());
        o.addOption(Option.builder().longOpt("peer-mixers").hasArg().argName("LIST").desc("mixers the peer times (default: attention,rat16,rnn,swa1024)").build());
        o.addOption(Option.builder().longOpt("peer-python").hasArg().argName("PATH").desc("Python with torch (default /usr/bin/python3)").build());
        o.addOption(Option.builder().longOpt("peer-script").hasArg().argName("PATH").desc("default efficiency/python/peer_layers.py").build());
        o.addOption(Option.builder().longOpt("peer-seconds").hasArg().argName("SECONDS").desc("time budget of the peer (default 300; quick 40)").build());
        o.addOption(Option.builder().longOpt("no-model").desc("skip the whole-model throughput benchmark").build());
        o.addOption(Option.builder().longOpt("model-configs").hasArg().argName("LIST").desc("model YAMLs (default: configs/model/tiny-{attention,rat,attention-swa,rat-swa}.yaml)").build());
        o.addOption(Option.builder().longOpt("model-seconds").hasArg().argName("SECONDS").desc("time budget per model config (default 15; quick 8)").build());
        o.addOption(Option.builder().longOpt("model-full").desc("decode all 1024 steps instead of timing the two ends of the window").build());
        o.addOption(Option.builder().longOpt("model-max-batch").hasArg().argName("N").desc("largest batch the search tries (default 4096; quick 16)").build());
        o.addOption(Option.builder().longOpt("no-profile").desc("skip the op-level profile of attention and RAT").build());
        o.addOption(Option.builder().longOpt("profile-seq-len").hasArg().argName("T").desc("T of the profile (default 2048; quick 512)").build());
        o.addOption(Option.builder().longOpt("no-layer").desc("skip the layer grid").build());
        o.addOption(Option.builder().longOpt("report-only").desc("only rebuild CSV, JSON, charts and summary from the folder's raw/ files").build());
        o.addOption(Option.builder("h").longOpt("help").desc("this help").build());
        return o;
    }

    public static void main(String[] args) throws Exception {
        PrintStream err = System.err;
        try {
            Nd4jBackends.select();
        } catch (Nd4jBackends.UnsupportedPlatformException e) {
            err.println("benchmark: error: " + e.getMessage());
            System.exit(2);
        }
        CommandLine cl;
        try {
            cl = new DefaultParser().parse(options(), args);
        } catch (ParseException e) {
            err.println("benchmark: " + e.getMessage() + " (see --help)");
            System.exit(2);
            return;
        }
        if (cl.hasOption("help")) {
            new HelpFormatter().printHelp(120, "scripts/benchmark.sh [options]   (or java -cp ... org.rat4j.bench.Benchmarks)",
                    "\nLayer and model benchmarks of rat4j with machine limits and a PyTorch peer.\n\n", options(),
                    "\nOutputs in --out: results.json, layer.csv, model.csv, summary.md, charts/*.png, raw/*.json, logs/.");
            return;
        }
        try {
            System.exit(run(cl, String.join(" ", args), err));
        } catch (IllegalArgumentException e) {
            err.println("benchmark: " + e.getMessage());
            System.exit(2);
        }
    }

    static SuiteConfig config(CommandLine cl) {
        SuiteConfig c = SuiteConfig.named(cl.getOptionValue("suite", "default"));
        if (cl.hasOption("modes")) c.modes = Modes.parseList(cl.getOptionValue("modes"));
        if (cl.hasOption("mixers")) {
            c.mixers = new ArrayList<>();
            for (MixerSpec m : MixerSpec.parseList(cl.getOptionValue("mixers"))) c.mixers.add(m.label());
        }
        if (cl.hasOption("train-mixers")) {
            c.trainMixers = new ArrayList<>();
            if (!cl.getOptionValue("train-mixers").equals("all")) {
                for (MixerSpec m : MixerSpec.parseList(cl.getOptionValue("train-mixers"))) c.trainMixers.add(m.label());
            }
        } else if (cl.hasOption("mixers")) {
            c.trainMixers = new ArrayList<>();      // mixers given explicitly: train them all
        }
        if (cl.hasOption("peer-mixers")) {
            c.peerMixers = new ArrayList<>();
            for (MixerSpec m : MixerSpec.parseList(cl.getOptionValue("peer-mixers"))) c.peerMixers.add(m.label());
        }
        if (cl.hasOption("gen-batches")) c.genBatches = ints(cl.getOptionValue("gen-batches"));
        if (cl.hasOption("gen-batch-seq-len")) c.genBatchSeqLen = Integer.parseInt(cl.getOptionValue("gen-batch-seq-len"));
        if (cl.hasOption("mixers")) c.genBatchMixers = new ArrayList<>();
        if (cl.hasOption("seq-lens")) c.seqLens = ints(cl.getOptionValue("seq-lens"));
        if (cl.hasOption("d-model")) c.d = Integer.parseInt(cl.getOptionValue("d-model"));
        if (cl.hasOption("heads")) c.heads = Integer.parseInt(cl.getOptionValue("heads"));
        if (c.heads < 1 || c.d % c.heads != 0 || (c.d / c.heads) % 2 != 0) {
            throw new IllegalArgumentException("--heads must divide --d-model into an even head size");
        }
        if (cl.hasOption("tokens")) c.tokensTrain = c.tokensPrefill = c.tokensGen = Integer.parseInt(cl.getOptionValue("tokens"));
        if (cl.hasOption("tokens-train")) c.tokensTrain = Integer.parseInt(cl.getOptionValue("tokens-train"));
        if (cl.hasOption("tokens-prefill")) c.tokensPrefill = Integer.parseInt(cl.getOptionValue("tokens-prefill"));
        if (cl.hasOption("tokens-gen")) c.tokensGen = Integer.parseInt(cl.getOptionValue("tokens-gen"));
        if (cl.hasOption("warmup")) c.warmup = Integer.parseInt(cl.getOptionValue("warmup"));
        if (cl.hasOption("max-warmup")) c.maxWarmup = Integer.parseInt(cl.getOptionValue("max-warmup"));
        if (cl.hasOption("repeats")) c.repeats = Integer.parseInt(cl.getOptionValue("repeats"));
        if (cl.hasOption("case-timeout")) c.caseTimeoutSeconds = Double.parseDouble(cl.getOptionValue("case-timeout"));
        if (cl.hasOption("suite-seconds")) c.suiteSeconds = Double.parseDouble(cl.getOptionValue("suite-seconds"));
        if (cl.hasOption("memory-budget")) c.memoryBudget = (long) (Double.parseDouble(cl.getOptionValue("memory-budget")) * Memory.GIB);
        if (cl.hasOption("profile-seq-len")) c.profileSeqLen = Integer.parseInt(cl.getOptionValue("profile-seq-len"));
        if (cl.hasOption("model-configs")) c.modelConfigs = Arrays.asList(cl.getOptionValue("model-configs").split(","));
        if (cl.hasOption("model-seconds")) c.modelSeconds = Double.parseDouble(cl.getOptionValue("model-seconds"));
        if (cl.hasOption("model-max-batch")) c.modelMaxBatch = Integer.parseInt(cl.getOptionValue("model-max-batch"));
        if (cl.hasOption("peer-seconds")) c.peerSeconds = Double.parseDouble(cl.getOptionValue("peer-seconds"));
        long avail = Memory.availableBytes();
        // Never plan beyond what this machine has free now (other programs share it), keeping 1.5 GiB spare.
        if (avail > 0) c.memoryBudget = Math.min(c.memoryBudget, avail - (1536L << 20));
        return c;
    }

    static List<Integer> ints(String s) {
        List<Integer> out = new ArrayList<>();
        for (String p : s.split(",")) if (!p.isBlank()) out.add(Integer.parseInt(p.trim()));
        return out;
    }

    static int run(CommandLine cl, String argLine, PrintStream log) throws Exception {
        long t0 = System.currentTimeMillis();
        Path out = Path.of(cl.getOptionValue("out", "efficiency/results/latest"));
        Path raw = out.resolve("raw");
        Files.createDirectories(raw);
        if (cl.hasOption("report-only")) {
            Report r = Json.MAPPER.readValue(raw.resolve("java.json").toFile(), Report.class);
            finish(r, out, log);
            return 0;
        }
        SuiteConfig cfg = config(cl);
        Report report = new Report();
        report.command = "benchmark " + argLine;
        report.loadStart = MachineLimits.loadAverage();
        report.suite = cfg;
        String heap = cl.getOptionValue("worker-heap", "6g");
        log.printf(Locale.ROOT, "rat4j benchmark, %s suite: D=%d H=%d T=%s B·T train/prefill/gen=%d/%d/%d, mixers %s; memory budget %s; load %s%n",
                cfg.suite, cfg.d, cfg.heads, cfg.seqLens, cfg.tokensTrain, cfg.tokensPrefill, cfg.tokensGen, cfg.mixers,
                Memory.gib(cfg.memoryBudget), report.loadStart);

        // 1. Machine limits, in a child JVM like the cases.
        log.println("measuring the machine's limits (GEMM, matmul op, memory bandwidth, BLAS kernel) ...");
        Path limitsFile = raw.resolve("machine.json");
        ChildJvm.run(MachineLimits.class, List.of(limitsFile.toString(), String.valueOf(Math.min(cfg.tokensPrefill, 16384)),
                String.valueOf(cfg.d), "true", String.valueOf(cfg.suite.equals("quick"))), "2g", out.resolve("logs/limits.log"), rss -> null);
        report.machine = Json.MAPPER.readValue(limitsFile.toFile(), MachineLimits.class);
        MachineLimits m = report.machine;
        log.printf(Locale.ROOT, "  GEMM %.0f GFLOP/s (spread %.0f%%), matmul op %.0f GFLOP/s, copy %.1f GB/s, add %.1f GB/s; %s, OpenBLAS %s, env %s%n",
                m.gemmGflops, m.gemmSpreadPct, m.matmulOpGflops, m.copyGBps, m.addGBps, m.nd4jBuild, m.openblasCore, m.env);
        saveRaw(report, raw);

        // 2. Layer grid.
        if (!cl.hasOption("no-layer")) {
            report.layer = new LayerSuite(cfg, m, out, heap, log).run();
            saveRaw(report, raw);
        }

        // 3. Profile of the cases the targets are about.
        if (!cl.hasOption("no-profile") && !cl.hasOption("no-layer")) {
            int t = cfg.profileSeqLen;
            List<String> specs = new ArrayList<>();
            for (String mode : List.of(Modes.TRAIN, Modes.PREFILL)) {
                if (!cfg.modes.contains(mode)) continue;
                int b = Math.max(1, cfg.tokens(mode) / t);
                for (String mixer : List.of("attention", "rat16")) specs.add(mode + ":" + mixer + ":" + cfg.d + ":" + cfg.heads + ":" + b + ":" + t);
            }
            if (!specs.isEmpty()) {
                log.println("profiling " + specs + " ...");
                Path pf = raw.resolve("profile.json");
                Files.deleteIfExists(pf);
                List<String> a = new ArrayList<>(List.of(pf.toString(), String.valueOf(m.gemmGflops), String.valueOf(cfg.seed)));
                a.addAll(specs);
                ChildJvm.Outcome o = ChildJvm.run(ProfileWorker.class, a, heap, out.resolve("logs/profile.log"), budgetWatcher(cfg, cfg.suite.equals("gpu") ? 1800 : 150));
                if (Files.exists(pf)) report.profile = Json.MAPPER.readValue(pf.toFile(), new TypeReference<List<ProfileResult>>() { });
                if (!o.clean()) log.println("  profile stopped: " + (o.stoppedFor() != null ? o.stoppedFor() : "exit " + o.exitCode()));
                for (ProfileResult p : report.profile) {
                    if ("ok".equals(p.status)) {
                        log.printf(Locale.ROOT, "  %s %s: wall %.0f ms, ops %.0f ms, projections %.0f ms = %.0f GFLOP/s%n", p.mode, p.mixer,
                                p.wallMs, p.opsMs, p.projectionMs, p.projectionGflops == null ? 0 : p.projectionGflops);
                    }
                }
                saveRaw(report, raw);
            }
        }

        // 4. Whole-model throughput.
        if (!cl.hasOption("no-model")) {
            List<String> configs = cfg.modelConfigs;
            double seconds = cfg.modelSeconds;
            boolean full = cl.hasOption("model-full");
            String maxBatch = String.valueOf(cfg.modelMaxBatch);
            for (String c : configs) {
                Path mf = raw.resolve("model-" + Path.of(c).getFileName() + ".json");
                Files.deleteIfExists(mf);
                log.println("model throughput: " + c + " ...");
                ChildJvm.Outcome o = ChildJvm.run(ModelBenchmark.class, List.of(c.trim(), mf.toString(),
                        String.valueOf(cfg.memoryBudget), String.valueOf(seconds), "8", String.valueOf(full), maxBatch), heap,
                        out.resolve("logs/model-" + Path.of(c).getFileName() + ".log"), budgetWatcher(cfg, seconds + 90));
                ModelResult r;
                if (Files.exists(mf)) {
                    r = Json.MAPPER.readValue(mf.toFile(), ModelResult.class);
                } else {
                    r = new ModelResult();
                    r.config = Path.of(c).getFileName().toString().replaceFirst("\\.ya?ml$", "");
                    r.status = o.stoppedFor() != null && !o.stoppedFor().startsWith("timed") ? "oom" : "error";
                    r.note = o.stoppedFor() != null ? o.stoppedFor() : "exit code " + o.exitCode() + ", see logs/";
                }
                report.model.add(r);
                log.printf(Locale.ROOT, "  %s: %s%n", r.config, r.tokensPerSecond == null ? r.status + (r.note == null ? "" : " (" + r.note + ")")
                        : String.format(Locale.ROOT, "%.0f tokens/s at B=%d (search stopped by %s)", r.tokensPerSecond, r.bestBatch, r.searchStoppedBy));
                saveRaw(report, raw);
            }
        }

        // 5. The PyTorch peer on the same shapes.
        boolean peer = !cl.hasOption("no-peer") && !cl.hasOption("no-layer");
        Path peerFile = raw.resolve("peer.json");
        Files.deleteIfExists(peerFile);
        if (peer) {
            runPeer(cl, cfg, out, peerFile, log);
        }
        report.loadEnd = MachineLimits.loadAverage();
        report.wallSeconds = (System.currentTimeMillis() - t0) / 1000.0;
        saveRaw(report, raw);
        finish(report, out, log);
        log.printf(Locale.ROOT, "done in %.0f s; results in %s (summary.md, results.json, layer.csv, model.csv, charts/)%n",
                report.wallSeconds, out);
        return 0;
    }

    /** Stops a child above the memory budget, when the machine runs out of memory, or after {@code seconds}. */
    static ChildJvm.Watcher budgetWatcher(SuiteConfig cfg, double seconds) {
        long end = System.currentTimeMillis() + (long) (seconds * 1000);
        ChildJvm.Watcher memory = budgetWatcher(cfg);
        return rss -> System.currentTimeMillis() > end ? String.format(Locale.ROOT, "timed out after %.0f s", seconds) : memory.check(rss);
    }

    static ChildJvm.Watcher budgetWatcher(SuiteConfig cfg) {
        return rss -> {
            long avail = Memory.availableBytes();
            if (rss > cfg.memoryBudget) return "memory budget " + Memory.gib(cfg.memoryBudget) + " exceeded";
            if (avail >= 0 && avail < (768L << 20)) return "machine memory nearly exhausted";
            return null;
        };
    }

    /** Writes the peer's case list and runs the Python script (watched like a worker). */
    static void runPeer(CommandLine cl, SuiteConfig cfg, Path out, Path peerFile, PrintStream log) throws IOException, InterruptedException {
        String python = cl.getOptionValue("peer-python", "/usr/bin/python3");
        String script = cl.getOptionValue("peer-script", "efficiency/python/peer_layers.py");
        if (!Files.isRegularFile(Path.of(script))) {
            writePeerNote(peerFile, "peer script not found: " + script);
            log.println("PyTorch peer skipped: " + script + " not found (run from the repository root)");
            return;
        }
        ObjectNode task = Json.MAPPER.createObjectNode();
        List<Object> cases = new ArrayList<>();
        SuiteConfig peerCfg = Json.MAPPER.convertValue(Json.MAPPER.valueToTree(cfg), SuiteConfig.class);
        peerCfg.mixers = cfg.mixers.stream().filter(cfg.peerMixers::contains).toList();
        for (Object o : LayerSuite.plan(peerCfg)) if (o instanceof WorkerTask.CaseSpec c) cases.add(c);
        task.set("cases", Json.MAPPER.valueToTree(cases));
        task.put("warmup", cfg.warmup);
        task.put("maxWarmup", cfg.protocol().maxWarmup());
        task.put("settleTolerance", LayerBenchmark.SETTLE_TOLERANCE);
        task.put("repeats", cfg.repeats);
        task.put("genWarmup", cfg.genWarmup);
        task.put("genRepeats", cfg.genRepeats);
        task.put("caseSeconds", cfg.caseSeconds);
        task.put("caseTimeoutSeconds", cfg.caseTimeoutSeconds);
        task.put("suiteSeconds", cfg.peerSeconds);
        task.put("memoryBudget", cfg.memoryBudget);
        task.put("seed", cfg.seed);
        Path taskFile = out.resolve("raw/peer-cases.json");
        Json.MAPPER.writeValue(taskFile.toFile(), task);
        log.printf(Locale.ROOT, "PyTorch peer: %d cases (%s) with %s ...%n", cases.size(), peerCfg.mixers, python);
        ChildJvm.Outcome o = ChildJvm.runCommand(List.of(python, script, "--cases", taskFile.toString(), "--out", peerFile.toString()),
                out.resolve("logs/peer.log"), budgetWatcher(cfg, task.get("suiteSeconds").asDouble() + 120));
        if (!Files.exists(peerFile)) {
            writePeerNote(peerFile, "the peer produced no results (" + (o.stoppedFor() != null ? o.stoppedFor() : "exit code " + o.exitCode())
                    + "); see logs/peer.log");
        }
        if (!o.clean()) log.println("  peer: " + (o.stoppedFor() != null ? o.stoppedFor() : "exit code " + o.exitCode()) + " (see logs/peer.log)");
    }

    static void writePeerNote(Path peerFile, String note) throws IOException {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("note", note);
        Json.MAPPER.writeValue(peerFile.toFile(), n);
    }

    static void saveRaw(Report r, Path raw) throws IOException {
        ResultsWriter.writeJson(raw.resolve("java.json"), r);
    }

    /** Merges the peer, computes speed-ups and targets, writes CSV, JSON, charts and the summary. */
    static void finish(Report r, Path out, PrintStream log) throws IOException {
        Path peerFile = out.resolve("raw/peer.json");
        if (Files.exists(peerFile)) {
            JsonNode peer = Json.MAPPER.readTree(peerFile.toFile());
            r.peer = peer;
            int n = ResultsMerger.mergePeer(r.layer, peer);
            if (n > 0) log.println("merged " + n + " PyTorch peer results");
        }
        ResultsMerger.speedups(r.layer);
        r.targets = ResultsMerger.targets(r.layer, r.profile);
        r.generated = ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        ResultsWriter.writeJson(out.resolve("results.json"), r);
        ResultsWriter.writeLayerCsv(out.resolve("layer.csv"), r.layer);
        ResultsWriter.writeModelCsv(out.resolve("model.csv"), r.model);
        List<Path> charts = Charts.write(r, out.resolve("charts"));
        AtomicFiles.writeString(out.resolve("summary.md"), Summary.markdown(r));
        log.println("wrote " + out.resolve("summary.md") + ", results.json, layer.csv, model.csv and " + charts.size() + " charts");
        for (Report.Target t : r.targets) log.println("  target: " + t.name + ": " + t.verdict);
    }
}
