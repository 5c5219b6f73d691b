package org.rat4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ResultsWriterTest {
    @TempDir
    Path dir;

    private static LayerResult sample() {
        LayerResult r = new LayerResult(Modes.TRAIN, MixerSpec.parse("rat16"), 1024, 8, 4, 1024);
        r.status = "ok";
        r.runs = 3;
        r.medianMs = 812.5;
        r.flops = 1.2e11;
        r.gflops = r.flops / 0.8125 / 1e9;
        r.note = "a note, with a comma and \"quotes\"";
        return r;
    }

    @Test
    void csvHasHeaderQuotingAndEmptyCells() throws Exception {
        LayerResult oom = new LayerResult(Modes.PREFILL, MixerSpec.parse("attention"), 1024, 8, 1, 16384);
        oom.status = "oom-predicted";
        Path f = dir.resolve("layer.csv");
        ResultsWriter.writeLayerCsv(f, List.of(sample(), oom));
        List<String> lines = Files.readAllLines(f);
        assertEquals(3, lines.size());
        assertEquals(String.join(",", LayerResult.COLUMNS), lines.get(0));
        assertTrue(lines.get(1).startsWith("train,rat16,rat,1024,8,4,1024,ok,\"a note, with a comma and \"\"quotes\"\"\",3,812.500,"),
                lines.get(1));
        assertTrue(lines.get(1).contains(",120000000000,"), lines.get(1));
        assertTrue(lines.get(2).startsWith("prefill,attention,attention,1024,8,1,16384,oom-predicted,,,"), lines.get(2));
        assertEquals(LayerResult.COLUMNS.size(), lines.get(2).split(",", -1).length);
    }

    @Test
    void jsonRoundTrips() throws Exception {
        Report r = new Report();
        r.layer.add(sample());
        ModelResult m = new ModelResult();
        m.config = "tiny-rat";
        m.tokensPerSecond = 1234.5;
        r.model.add(m);
        Path f = dir.resolve("results.json");
        ResultsWriter.writeJson(f, r);
        JsonNode tree = Json.MAPPER.readTree(f.toFile());
        assertEquals("rat16", tree.get("layer").get(0).get("mixer").asText());
        assertFalse(tree.get("layer").get(0).has("peerMedianMs"), "absent values are left out");
        Report back = Json.MAPPER.readValue(f.toFile(), Report.class);
        assertEquals(812.5, back.layer.get(0).medianMs);
        assertEquals(1234.5, back.model.get(0).tokensPerSecond);
        try (var files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary files left");
        }
    }

    @Test
    void modelCsv() throws Exception {
        ModelResult m = new ModelResult();
        m.config = "tiny-attention";
        m.status = "ok";
        m.bestBatch = 8;
        m.tokensPerSecond = 300.25;
        Path f = dir.resolve("model.csv");
        ResultsWriter.writeModelCsv(f, List.of(m));
        List<String> lines = Files.readAllLines(f);
        assertEquals(String.join(",", ResultsWriter.MODEL_COLUMNS), lines.get(0));
        assertTrue(lines.get(1).startsWith("tiny-attention,,,ok,,0,0,8,300.250,"), lines.get(1));
    }
}
