package org.rat4j.bench;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.*;

/** {@code summary.md}: the machine's limits, both sides' settings, the targets and one table per mode. */
public final class Summary {
    private Summary() {
    }

    public static String markdown(Report r) {
        StringBuilder s = new StringBuilder();
        s.append("# rat4j efficiency benchmark: ").append(r.suite == null ? "" : r.suite.suite).append(" suite\n\n");
        s.append("Generated ").append(r.generated);
        if (r.wallSeconds != null) s.append(String.format(Locale.ROOT, " in %.0f s", r.wallSeconds));
        s.append(". Load average (1, 5, 15 min) at start: ").append(r.loadStart).append("; at end: ").append(r.loadEnd)
                .append(". A load above ~2 on this 2-core machine means other work shared the CPU.\n\n");
        if (r.command != null) s.append("Command: `").append(r.command).append("`\n\n");

        MachineLimits m = r.machine;
        if (m != null) {
            s.append("## Machine limits (rat4j side)\n\n| | |\n|---|---|\n");
            row(s, "CPU", m.cpu + ", " + m.cores + " cores, " + Memory.gib(m.memTotalBytes));
            row(s, "GEMM rate, `Nd4j.gemm` " + (m.gemmSize == 0 ? 2048 : m.gemmSize) + "² float32", f1(m.gemmGflops) + " GFLOP/s (spread " + f0(m.gemmSpreadPct) + "%)");
            row(s, "matmul op (what SameDiff runs) " + m.matmulOpShape, f1(m.matmulOpGflops) + " GFLOP/s");
            row(s, "memory bandwidth (copy / add, read+write)", f1(m.copyGBps) + " / " + f1(m.addGBps) + " GB/s");
            row(s, "CPU flags", m.cpuFlags);
            row(s, "rat4j", m.rat4j);
            row(s, "ND4J build", m.nd4jBuild + " (" + m.nd4jBinaryLevel + ")");
            row(s, "OpenBLAS kernel (ND4J's 0.3.19)", m.openblasCore);
            row(s, "threads", "OpenMP " + m.ompThreads + ", BLAS " + m.blasThreads);
            StringBuilder env = new StringBuilder();
            m.env.forEach((k, v) -> env.append(k).append('=').append(v).append(' '));
            row(s, "environment", env.toString().trim());
            row(s, "JVM", m.java + " (layer workers: --worker-heap, default 6g; more where a decode cache needs it)");
            s.append('\n');
        }
        JsonNode p = r.peer;
        if (p != null && p.has("info")) {
            JsonNode i = p.get("info");
            s.append("## PyTorch peer\n\n| | |\n|---|---|\n");
            i.fields().forEachRemaining(e -> row(s, e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString()));
            s.append('\n');
        } else {
            s.append("## PyTorch peer\n\nNot run in this report").append(p != null && p.has("note") ? ": " + p.get("note").asText() : "")
                    .append(".\n\n");
        }

        if (!r.targets.isEmpty()) {
            s.append("## Targets (benchmark results, not test assertions)\n\n| target | verdict | detail |\n|---|---|---|\n");
            for (Report.Target t : r.targets) s.append("| ").append(t.name).append(" | **").append(t.verdict).append("** | ")
                    .append(t.detail == null ? "" : t.detail).append(" |\n");
            s.append('\n');
        }

        List<LayerResult> paired = r.layer.stream().filter(x -> x.vsPeer != null
                && (x.mixer.equals("attention") || x.mixer.equals("rat16"))).toList();
        if (!paired.isEmpty()) {
            // The two ratios the issue asks every report to carry, in one place (the tables below have every mixer).
            s.append("## rat4j / PyTorch on the same shapes (time ratio; below 1 means rat4j is faster)\n\n")
                    .append("| mode | T | B | attention | RAT(L=16) |\n|---|---|---|---|---|\n");
            Map<String, Double[]> byCase = new LinkedHashMap<>();
            for (LayerResult x : paired) {
                Double[] v = byCase.computeIfAbsent(x.mode + "|" + x.seqLen + "|" + x.batch, k -> new Double[2]);
                v[x.mixer.equals("attention") ? 0 : 1] = x.vsPeer;
            }
            byCase.forEach((k, v) -> {
                String[] c = k.split("\\|");
                s.append("| ").append(c[0]).append(" | ").append(c[1]).append(" | ").append(c[2]).append(" | ")
                        .append(v[0] == null ? "" : f2(v[0]) + "x").append(" | ").append(v[1] == null ? "" : f2(v[1]) + "x").append(" |\n");
            });
            s.append('\n');
        }

        for (String mode : Modes.ALL) {
            List<LayerResult> rows = r.layer.stream().filter(x -> x.mode.equals(mode)).toList();
            if (rows.isEmpty()) continue;
            s.append("## Layer: ").append(mode).append("\n\n");
            boolean gen = Modes.isGen(mode);
            s.append("| mixer | T | B | ms (runs, spread) | GFLOP/s | % of GEMM | ").append(gen ? "GB/s | % of bandwidth | " : "")
                    .append("PyTorch ms | rat4j / PyTorch | speed-up vs attention | FLOP bound | % of bound |")
                    .append(gen ? " bytes bound |" : "").append(" peak RSS |\n");
            s.append("|---|---|---|---|---|---|").append(gen ? "---|---|" : "").append("---|---|---|---|---|").append(gen ? "---|" : "").append("---|\n");
            for (LayerResult x : rows) {
                s.append("| ").append(x.mixer).append(" | ").append(x.seqLen).append(" | ").append(x.batch).append(" | ");
                if (x.ok()) {
                    s.append(f2(x.medianMs)).append(" (").append(x.runs).append(", ").append(f0(x.spreadPct)).append("%)");
                } else {
                    s.append("**").append(x.status).append("**").append(x.note == null ? "" : ": " + x.note.replace("|", "/"));
                }
                s.append(" | ").append(f1(x.gflops)).append(" | ").append(pct(x.gemmFraction)).append(" | ");
                if (gen) s.append(f1(x.gbps)).append(" | ").append(pct(x.bandwidthFraction)).append(" | ");
                s.append(x.peerMedianMs != null ? f2(x.peerMedianMs) : x.peerStatus == null ? "" : x.peerStatus).append(" | ")
                        .append(f2(x.vsPeer)).append(" | ").append(f2(x.speedupVsAttention)).append(" | ").append(f2(x.flopBound))
                        .append(" | ").append(pct(x.boundFraction)).append(" |");
                if (gen) s.append(' ').append(f2(x.bytesBound)).append(" |");
                s.append(' ').append(x.peakRss == null ? "" : Memory.gib(x.peakRss)).append(" |\n");
            }
            s.append('\n');
        }

        if (!r.model.isEmpty()) {
            s.append("## Model: maximum generation throughput (1024 tokens after a 3072-token prompt)\n\n")
                    .append("| config | model | params | best batch | tokens/s | ms/step at 3072 / 4095 | max batch by memory | cache bytes/seq | search stopped by |\n")
                    .append("|---|---|---|---|---|---|---|---|---|\n");
            for (ModelResult x : r.model) {
                s.append("| ").append(x.config).append(" | ").append(x.description).append(" | ").append(x.parameters).append(" | ")
                        .append(x.bestBatch == null ? x.status : x.bestBatch.toString()).append(" | ").append(f0(x.tokensPerSecond))
                        .append(" | ").append(f2(x.msPerStepFirst)).append(" / ").append(f2(x.msPerStepLast)).append(" | ")
                        .append(x.maxBatchByMemory).append(" | ").append(x.stateBytesPerSequence).append(" | ")
                        .append(x.searchStoppedBy).append(" |\n");
            }
            s.append('\n');
        }

        if (!r.profile.isEmpty()) {
            s.append("## Profile (one extra run with an op-timing listener)\n\n");
            for (ProfileResult x : r.profile) {
                s.append(String.format(Locale.ROOT, "- **%s %s T=%d B=%d**: ", x.mode, x.mixer, x.seqLen, x.batch));
                if (!"ok".equals(x.status)) {
                    s.append(x.status).append(x.note == null ? "" : ": " + x.note).append('\n');
                    continue;
                }
                s.append(String.format(Locale.ROOT, "wall %.0f ms, ops %.0f ms (%.0f%% of wall; the rest is session work and allocation), "
                                + "outputs %.2f GiB; projection GEMMs %.0f ms = %.0f GFLOP/s (%s of GEMM). Slowest op types: ",
                        x.wallMs, x.opsMs, 100 * x.opsMs / x.wallMs, x.outputBytes / (double) Memory.GIB, x.projectionMs,
                        x.projectionGflops == null ? 0 : x.projectionGflops, pct(x.projectionGemmFraction)));
                List<String> t = new ArrayList<>();
                for (ProfileResult.OpTime o : x.byType.subList(0, Math.min(8, x.byType.size()))) {
                    t.add(String.format(Locale.ROOT, "%s %.0f ms (×%d)", o.name, o.ms, o.count));
                }
                s.append(String.join(", ", t)).append('\n');
            }
            s.append('\n');
        }
        s.append("FLOPs: 2 per multiply-add of the layer's GEMMs (projections and mixing, elementwise work not counted); ")
                .append("train = 3 × forward; see `FlopCount` for the formulas. \"% of bound\" = measured speed-up / FLOP bound.\n");
        return s.toString();
    }

    private static void row(StringBuilder s, String k, String v) {
        s.append("| ").append(k).append(" | ").append(v == null ? "" : v.replace("|", "/")).append(" |\n");
    }

    static String f0(Double v) {
        return v == null ? "" : String.format(Locale.ROOT, "%.0f", v);
    }

    static String f1(Double v) {
        return v == null ? "" : String.format(Locale.ROOT, "%.1f", v);
    }

    static String f2(Double v) {
        if (v == null) return "";
        if (Math.abs(v) >= 100) return String.format(Locale.ROOT, "%.0f", v);
        return String.format(Locale.ROOT, "%.2f", v);
    }

    static String pct(Double v) {
        return v == null ? "" : String.format(Locale.ROOT, "%.0f%%", 100 * v);
    }
}
