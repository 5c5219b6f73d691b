package org.rat4j.bench;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.*;

/**
 * Joins the PyTorch peer's timings to rat4j's (ratio rat4j / PyTorch on the same shapes), computes each mixer's
 * speed-up over attention at the same mode and T beside the FLOP-ratio bound, and checks the targets of the issue.
 */
public final class ResultsMerger {
    private ResultsMerger() {
    }

    /** Fills the peer columns from the peer's {@code results} array (matched by mode, mixer, D, H, B and T). */
    public static int mergePeer(List<LayerResult> layer, JsonNode peer) {
        if (peer == null || !peer.has("results")) return 0;
        Map<String, JsonNode> byKey = new HashMap<>();
        for (JsonNode n : peer.get("results")) {
            byKey.put(LayerCase.key(n.get("mode").asText(), n.get("mixer").asText(), n.get("d").asInt(),
                    n.get("heads").asInt(), n.get("batch").asInt(), n.get("seqLen").asInt()), n);
        }
        int matched = 0;
        for (LayerResult r : layer) {
            JsonNode n = byKey.get(r.key());
            if (n == null) continue;
            matched++;
            r.peerStatus = n.get("status").asText();
            if ("ok".equals(r.peerStatus) && n.hasNonNull("medianMs")) {
                r.peerMedianMs = n.get("medianMs").asDouble();
                if (r.flops != null) r.peerGflops = r.flops / (r.peerMedianMs / 1000) / 1e9;
                if (r.ok()) r.vsPeer = r.medianMs / r.peerMedianMs;
            }
        }
        return matched;
    }

    /** Speed-up over attention and the FLOP (and, for gen, bytes) bounds. */
    public static void speedups(List<LayerResult> layer) {
        Map<String, LayerResult> attention = new HashMap<>();
        for (LayerResult r : layer) if (r.mixer.equals("attention")) attention.put(slot(r), r);
        MixerSpec attn = MixerSpec.parse("attention");
        for (LayerResult r : layer) {
            if (r.mixer.equals("attention") || r.batch < 1) continue;
            MixerSpec m = MixerSpec.parse(r.mixer);
            double attnFlops = FlopCount.of(r.mode, attn, r.d, r.heads, r.batch, r.seqLen);
            double own = FlopCount.of(r.mode, m, r.d, r.heads, r.batch, r.seqLen);
            r.flopBound = attnFlops / own;
            if (Modes.isGen(r.mode)) {
                r.bytesBound = FlopCount.genBytes(attn, r.d, r.heads, r.batch, r.seqLen)
                        / FlopCount.genBytes(m, r.d, r.heads, r.batch, r.seqLen);
            }
            LayerResult a = attention.get(slot(r));
            if (a != null && a.ok() && r.ok()) {
                r.speedupVsAttention = a.medianMs / r.medianMs;
                r.boundFraction = r.speedupVsAttention / r.flopBound;
            }
        }
    }

    private static String slot(LayerResult r) {
        return r.mode + "/" + r.d + "/" + r.heads + "/" + r.batch + "/" + r.seqLen;
    }

    /** The four targets of the issue (benchmark results, not assertions). */
    public static List<Report.Target> targets(List<LayerResult> layer, List<ProfileResult> profile) {
        List<Report.Target> out = new ArrayList<>();

        List<String> parts = new ArrayList<>();
        int met = 0;
        int n = 0;
        for (LayerResult r : layer) {
            if (!r.mixer.equals("rat16") || Modes.isGen(r.mode) || r.boundFraction == null) continue;
            n++;
            boolean ok = r.boundFraction >= 0.8;
            if (ok) met++;
            parts.add(String.format(Locale.ROOT, "%s T=%d: %.2fx of bound %.2fx = %.0f%%%s", r.mode, r.seqLen,
                    r.speedupVsAttention, r.flopBound, 100 * r.boundFraction, ok ? "" : " (miss)"));
        }
        out.add(new Report.Target("RAT(L=16) train and prefill speed-up over attention >= 80% of the FLOP-ratio bound",
                verdict(met, n), String.join("; ", parts)));

        // The paper's figure decodes a large batch (512) at a fixed position; the verdict uses the largest batch measured.
        List<LayerResult> gens = new ArrayList<>();
        for (LayerResult r : layer) {
            if (r.mixer.equals("rat16") && Modes.isGen(r.mode) && r.seqLen == 4096 && r.speedupVsAttention != null) gens.add(r);
        }
        gens.sort(Comparator.comparingInt((LayerResult r) -> r.batch));
        String genName = "one decode step at position 4096: RAT(L=16) >= 9x faster than attention (largest batch measured)";
        if (gens.isEmpty()) {
            out.add(new Report.Target(genName, "not measured", "attention or RAT(L=16) did not run a decode step at T=4096"));
        } else {
            parts = new ArrayList<>();
            for (LayerResult g : gens) {
                parts.add(String.format(Locale.ROOT, "%s B=%d: %.2f ms vs %.2f ms = %.1fx (bytes bound %.1fx, FLOP bound %.1fx)", g.mode,
                        g.batch, g.medianMs, g.medianMs * g.speedupVsAttention, g.speedupVsAttention, g.bytesBound, g.flopBound));
            }
            LayerResult big = gens.get(gens.size() - 1);
            out.add(new Report.Target(genName, big.speedupVsAttention >= 9 ? "met" : "missed", String.join("; ", parts)));
        }

        parts = new ArrayList<>();
        met = 0;
        n = 0;
        for (LayerResult r : layer) {
            if (!r.mixer.equals("attention") || r.vsPeer == null) continue;
            n++;
            boolean ok = r.vsPeer <= 1.25;
            if (ok) met++;
            parts.add(String.format(Locale.ROOT, "%s T=%d: %.2fx%s", r.mode, r.seqLen, r.vsPeer, ok ? "" : " (miss)"));
        }
        out.add(new Report.Target("attention no slower than 1.25x PyTorch on the same shapes", verdict(met, n),
                String.join("; ", parts)));

        parts = new ArrayList<>();
        met = 0;
        n = 0;
        for (ProfileResult p : profile) {
            if (!p.mixer.startsWith("rat") || p.mixer.startsWith("ratplus") || p.projectionGemmFraction == null) continue;
            n++;
            boolean ok = p.projectionGemmFraction >= 0.6;
            if (ok) met++;
            parts.add(String.format(Locale.ROOT, "%s %s T=%d: %.0f GFLOP/s = %.0f%%%s", p.mode, p.mixer, p.seqLen,
                    p.projectionGflops, 100 * p.projectionGemmFraction, ok ? "" : " (miss)"));
        }
        out.add(new Report.Target("RAT's projections >= 60% of the measured GEMM rate", verdict(met, n), String.join("; ", parts)));
        return out;
    }

    private static String verdict(int met, int n) {
        if (n == 0) return "not measured";
        if (met == n) return "met";
        if (met == 0) return "missed";
        return "partly met (" + met + " of " + n + ")";
    }
}
