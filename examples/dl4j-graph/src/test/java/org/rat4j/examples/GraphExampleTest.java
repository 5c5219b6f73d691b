package org.rat4j.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The example fits, survives a ModelSerializer round trip with identical outputs, and keeps stdout quiet. */
class GraphExampleTest {
    @Test
    void learnsSavesAndRestores(@TempDir Path dir) throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        GraphExample.Result r;
        try {
            r = GraphExample.run(100, dir.resolve("graph.zip").toFile());
        } finally {
            System.setOut(original);
        }
        // The running mean's variance is about 0.12; an untrained net scores near it, a trained one far below.
        assertTrue(r.lossAfter() < 0.3 * r.lossBefore(), "MSE " + r.lossBefore() + " -> " + r.lossAfter());
        assertEquals(0.0, r.restoredMaxDifference());
        String printed = stdout.toString(StandardCharsets.UTF_8);
        assertFalse(printed.contains("Added differentiated op"), "SameDiff's gradient log reached stdout:\n"
                + printed.substring(0, Math.min(500, printed.length())));
    }
}
