package org.rat4j.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.rat4j.cli.ConsoleCapture;
import org.junit.jupiter.api.io.TempDir;
import org.rat4j.train.MetricsLog;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class CompareCommandTest {
    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    private static void run(Path dir, String... rows) throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(MetricsLog.FILE), MetricsLog.HEADER + "\n" + String.join("\n", rows) + "\n");
    }

    @Test
    void drawsThePngAndPrintsTheLastValidationLoss(@TempDir Path dir) throws Exception {
        run(dir.resolve("a"), "1,512,0.001,5.0,,1,500,1,,,100", "2,1024,0.001,4.0,,1,500,2,3.5,33.1155,100");
        run(dir.resolve("b"), "1,512,0.001,6.0,,1,500,1,4.25,70.1054,100", "2,1024,0.001,5.0,,1,500,2,,,100");
        Path png = dir.resolve("c.png");
        assertEquals(0, Rat4j.run(new String[]{"compare", dir.resolve("a").toString(), dir.resolve("b").toString(), "--out", png.toString()}));
        byte[] head = new byte[8];
        System.arraycopy(Files.readAllBytes(png), 0, head, 0, 8);
        assertArrayEquals(new byte[]{(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, head);
        String text = console.out();
        assertTrue(text.contains("validation loss 3.5000  perplexity 33.12"), text);   // a's last validation, at step 2
        assertTrue(text.contains("validation loss 4.2500  perplexity 70.11"), text);   // b's only one, at step 1
    }

    @Test
    void aFolderWithoutMetricsIsNamed(@TempDir Path dir) {
        assertEquals(2, Rat4j.run(new String[]{"compare", dir.toString(), "--out", dir.resolve("x.png").toString()}));
        assertTrue(console.err().contains("has no metrics.csv"), console.err());
        assertFalse(Files.exists(dir.resolve("x.png")));
    }
}
