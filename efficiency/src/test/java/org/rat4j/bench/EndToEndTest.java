package org.rat4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The whole command on a very small grid, in child JVMs as for real: the output files exist, every planned case is
 * reported, and the numbers are positive and consistent. No wall-time targets are asserted.
 */
class EndToEndTest {
    @TempDir
    Path dir;

    @Test
    void tinyGridWritesConsistentResults() throws Exception {
        Path out = dir.resolve("run");
        String[] args = {"--suite", "quick", "--d-model", "64", "--heads", "2", "--seq-lens", "16,32,40", "--tokens", "64",
                "--mixers", "attention,rat16", "--repeats", "2", "--gen-batches", "1,3", "--gen-batch-seq-len", "32", "--no-peer", "--no-model", "--profile-seq-len", "32",
                "--worker-heap", "1g", "--out", out.toString()};
        var cl = new org.apache.commons.cli.DefaultParser().parse(Benchmarks.options(), args);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        PrintStream both = new PrintStream(new java.io.OutputStream() {
            @Override
            public void write(int b) {
                log.write(b);
                System.err.write(b);
            }
        }, true, StandardCharsets.UTF_8);
        assertEquals(0, Benchmarks.run(cl, String.join(" ", args), both));
        String text = log.toString(StandardCharsets.UTF_8);

        for (String f : List.of("results.json", "layer.csv", "model.csv", "summary.md", "charts/latency-train.png",
                "charts/latency-prefill.png", "charts/latency-gen.png", "charts/latency-gen-batch.png", "charts/speedup-train.png", "raw/machine.json")) {
            assertTrue(Files.size(out.resolve(f)) > 0, f + " written\n" + text);
        }
        byte[] png = Files.readAllBytes(out.resolve("charts/latency-train.png"));
        assertEquals((byte) 0x89, png[0]);
        assertEquals('P', png[1]);

        JsonNode r = Json.MAPPER.readTree(out.resolve("results.json").toFile());
        assertTrue(r.get("machine").get("gemmGflops").asDouble() > 0);
        assertTrue(r.get("machine").get("copyGBps").asDouble() > 0);
        JsonNode layer = r.get("layer");
        // 2 mixers × 3 modes × 3 T, all reported (rat16 at T=40 is not a multiple of 16), plus 2 × 2 gen-batch cases
        assertEquals(22, layer.size(), text);
        int ok = 0;
        for (JsonNode c : layer) {
            String status = c.get("status").asText();
            if (c.get("mixer").asText().equals("rat16") && c.get("seqLen").asInt() == 40) {
                assertEquals("skipped", status);
                continue;
            }
            assertEquals("ok", status, c.toString());
            ok++;
            double median = c.get("medianMs").asDouble();
            assertTrue(median > 0);
            assertTrue(c.get("minMs").asDouble() <= median && median <= c.get("maxMs").asDouble());
            double flops = c.get("flops").asDouble();
            assertTrue(flops > 0);
            assertEquals(flops / (median / 1000) / 1e9, c.get("gflops").asDouble(), 1e-9 * c.get("gflops").asDouble());
            assertEquals(c.get("gflops").asDouble() / r.get("machine").get("gemmGflops").asDouble(),
                    c.get("gemmFraction").asDouble(), 1e-9);
            int batch = c.get("batch").asInt();
            if (c.get("mode").asText().equals(Modes.GEN_BATCH)) {
                assertEquals(32, c.get("seqLen").asInt());
            } else {
                assertEquals(64 / c.get("seqLen").asInt(), batch, "B = B·T / T");
            }
            if (c.get("mixer").asText().equals("rat16")) {
                assertTrue(c.has("flopBound") && c.get("flopBound").asDouble() > 0);
                assertEquals(c.get("speedupVsAttention").asDouble() / c.get("flopBound").asDouble(),
                        c.get("boundFraction").asDouble(), 1e-9);
            }
            if (Modes.isGen(c.get("mode").asText())) assertTrue(c.get("gbps").asDouble() > 0);
        }
        assertEquals(19, ok, "rat16 at T=40 is skipped in each of the 3 modes");
        assertEquals(4, r.get("targets").size());
        assertTrue(r.get("profile").size() >= 2);

        List<String> csv = Files.readAllLines(out.resolve("layer.csv"));
        assertEquals(23, csv.size());
        String summary = Files.readString(out.resolve("summary.md"));
        assertTrue(summary.contains("## Layer: train") && summary.contains("GEMM rate"), summary);
    }
}
