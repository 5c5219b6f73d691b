package org.rat4j.data.niah;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rat4j.config.ConfigException;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** {@code rat4j niah}'s refusals come before any sample is generated (issue 14: a huge --length ran out of heap). */
class NiahCommandTest {
    @TempDir
    Path dir;

    @Test
    void samplesBeyondTheHeapAndAnOutputFolderAreRefusedFirst() {
        NiahCommand cmd = new NiahCommand();
        ConfigException e = assertThrows(ConfigException.class,
                () -> cmd.run(new String[]{"--length", "2000000000", "--count", "1", "--out", dir.resolve("n.jsonl").toString()}));
        // 8 tasks: 2·10^9 · 200 bytes of work + 8 · 2·10^9 · 16 bytes held = 656 GB
        assertTrue(e.getMessage().startsWith("generating 8 NIAH sample(s) of up to 2,000,000,000 tokens needs 610.95 GiB of memory "
                + "but the JVM heap"), e.getMessage());
        assertTrue(e.getMessage().endsWith("use a shorter --length, a smaller --count or fewer --tasks, or give the JVM more heap"));
        e = assertThrows(ConfigException.class, () -> cmd.run(new String[]{"--length", "300", "--out", dir.toString()}));
        assertEquals("--out " + dir + " is a directory; give a file name", e.getMessage());
    }
}
