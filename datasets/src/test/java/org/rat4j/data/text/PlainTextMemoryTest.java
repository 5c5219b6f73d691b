package org.rat4j.data.text;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A plain-text file of 160 MiB, one document as far as its content goes (no blank line), is read with flat memory: in
 * a child JVM whose heap is capped at 48 MiB, far below the file (reading it whole needed the file's size twice
 * over, as bytes and as a string), every character arrives in documents no longer than
 * {@link TextSplit#DEFAULT_MAX_CHARS}, and the peak resident set grows by less than {@link #MAX_GROWTH} (measured:
 * 25 MB, for 256 MiB as for 160 MiB). About 1 s of CPU time in the child.
 */
@EnabledOnOs(OS.LINUX)
class PlainTextMemoryTest {
    private static final long FILE_BYTES = 160L << 20;
    /** Half the file: the heap cap, class metadata and compiled code stay well below it. */
    private static final long MAX_GROWTH = 80L << 20;
    /** Heap of the child: what the reader may hold is one document (2 MiB as a string) and its block buffers. */
    private static final String CHILD_HEAP = "-Xmx48m";

    @TempDir
    Path dir;

    @Test
    void aLargeFileIsReadInBoundedMemory() throws IOException, InterruptedException {
        Path file = dir.resolve("big.txt");
        byte[] line = "The quick brown fox jumps over the lazy dog, again and again and again.\n".getBytes(StandardCharsets.US_ASCII);
        byte[] block = new byte[line.length * 8192];
        for (int i = 0; i < 8192; i++) System.arraycopy(line, 0, block, i * line.length, line.length);
        long written = 0;
        try (OutputStream out = Files.newOutputStream(file)) {
            while (written < FILE_BYTES) {
                out.write(block);
                written += block.length;
            }
        }

        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), CHILD_HEAP,
                "-cp", System.getProperty("java.class.path"), PlainTextReadProbe.class.getName(), file.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(0, p.waitFor(), "the child failed (out of memory?): " + output);
        String[] f = output.substring(output.lastIndexOf('\n') + 1).trim().split(" ");
        long documents = Long.parseLong(f[0]);
        long chars = Long.parseLong(f[1]);
        long longest = Long.parseLong(f[2]);
        long growth = Long.parseLong(f[3]);

        assertEquals(written, chars, "every character is read (ASCII: one per byte)");
        assertTrue(longest <= TextSplit.DEFAULT_MAX_CHARS, "longest document " + longest);
        // cut at line ends in the second half of each full document: between written/max and 2·written/max documents
        assertTrue(documents >= written / TextSplit.DEFAULT_MAX_CHARS && documents <= 2 * written / TextSplit.DEFAULT_MAX_CHARS + 1,
                "documents " + documents);
        assertTrue(growth > 0 && growth < MAX_GROWTH, "peak resident set grew by " + (growth >> 20) + " MiB reading "
                + (written >> 20) + " MiB");
    }
}
