package org.rat4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Speed-ups, FLOP bounds, the rat4j / PyTorch ratio and the target verdicts, on hand-made results. */
class ResultsMergerTest {
    private static LayerResult ok(String mode, String mixer, int batch, int seqLen, double ms) {
        MixerSpec m = MixerSpec.parse(mixer);
        LayerResult r = new LayerResult(mode, m, 1024, 8, batch, seqLen);
        r.status = "ok";
        r.medianMs = ms;
        r.flops = FlopCount.of(mode, m, 1024, 8, batch, seqLen);
        return r;
    }

    @Test
    void speedupBoundAndPeerRatio() throws Exception {
        List<LayerResult> layer = new ArrayList<>();
        LayerResult attn = ok(Modes.PREFILL, "attention", 4, 1024, 100);
        LayerResult rat = ok(Modes.PREFILL, "rat16", 4, 1024, 20);
        layer.add(attn);
        layer.add(rat);
        // By hand, per sequence at D=1024, T=1024: attention 1024·8D² + 4D·(1024·1025/2) = 10,739,515,392;
        // RAT(L=16) 1024·(8D² + 4·2·128·D) + 4D·16·(64·65/2) = 9,799,991,296.
        assertEquals(4 * 10_739_515_392.0, attn.flops);
        assertEquals(4 * 9_799_991_296.0, rat.flops);
        ResultsMerger.speedups(layer);
        assertEquals(5.0, rat.speedupVsAttention, 1e-12);
        assertEquals(10_739_515_392.0 / 9_799_991_296.0, rat.flopBound, 1e-12);
        assertEquals(5.0 / (10_739_515_392.0 / 9_799_991_296.0), rat.boundFraction, 1e-12);
        assertNull(attn.speedupVsAttention, "attention is the reference, no speed-up of its own");

        JsonNode peer = Json.MAPPER.readTree("""
                {"results": [
                  {"mode": "prefill", "mixer": "attention", "d": 1024, "heads": 8, "batch": 4, "seqLen": 1024, "status": "ok", "medianMs": 80},
                  {"mode": "prefill", "mixer": "rat16", "d": 1024, "heads": 8, "batch": 4, "seqLen": 1024, "status": "ok", "medianMs": 10},
                  {"mode": "prefill", "mixer": "rnn", "d": 1024, "heads": 8, "batch": 4, "seqLen": 1024, "status": "oom"}
                ]}""");
        assertEquals(2, ResultsMerger.mergePeer(layer, peer), "the rnn row has no rat4j partner");
        assertEquals(1.25, attn.vsPeer, 1e-12);
        assertEquals(2.0, rat.vsPeer, 1e-12);
        // the peer's GFLOP/s uses the same FLOP count: 42.958 GFLOP in 80 ms
        assertEquals(42_958_061_568.0 / 0.080 / 1e9, attn.peerGflops, 1e-9);

        ProfileResult p = new ProfileResult();
        p.mode = Modes.PREFILL;
        p.mixer = "rat16";
        p.seqLen = 1024;
        p.projectionGflops = 200.0;
        p.projectionGemmFraction = 0.5;
        List<Report.Target> t = ResultsMerger.targets(layer, List.of(p));
        assertEquals(4, t.size());
        assertEquals("met", t.get(0).verdict, t.get(0).detail);          // 456% of the bound
        assertTrue(t.get(0).detail.contains("prefill T=1024: 5.00x of bound 1.10x = 456%"), t.get(0).detail);
        assertEquals("not measured", t.get(1).verdict);                  // no decode step at 4096
        assertEquals("met", t.get(2).verdict, "1.25x PyTorch is still within the target");
        assertEquals("missed", t.get(3).verdict);                        // 50% < 60% of the GEMM rate
    }

    @Test
    void decodeTargetUsesTheLargestBatchAt4096() {
        List<LayerResult> layer = new ArrayList<>(List.of(
                ok(Modes.GEN, "attention", 4, 4096, 40), ok(Modes.GEN, "rat16", 4, 4096, 5),
                ok(Modes.GEN_BATCH, "attention", 64, 4096, 300), ok(Modes.GEN_BATCH, "rat16", 64, 4096, 30),
                ok(Modes.GEN, "attention", 1, 16384, 50)));
        LayerResult failed = new LayerResult(Modes.GEN, MixerSpec.parse("rat16"), 1024, 8, 1, 16384);
        failed.status = "oom";
        layer.add(failed);
        ResultsMerger.speedups(layer);
        assertEquals(8.0, layer.get(1).speedupVsAttention, 1e-12);
        assertEquals(10.0, layer.get(3).speedupVsAttention, 1e-12);
        assertNull(failed.speedupVsAttention, "no speed-up for a case that did not run");
        assertNotNull(failed.flopBound, "the bound is known even when the case failed");
        Report.Target gen = ResultsMerger.targets(layer, List.of()).get(1);
        assertEquals("met", gen.verdict, gen.detail);                   // B=64: 10x >= 9x
        assertTrue(gen.detail.contains("gen B=4") && gen.detail.contains("8.0x"), gen.detail);
    }
}
