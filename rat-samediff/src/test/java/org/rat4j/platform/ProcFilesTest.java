package org.rat4j.platform;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ProcFilesTest {
    @Test
    void readsAKibFieldAsBytesAndMinusOneWhenMissing(@TempDir Path dir) throws Exception {
        Path status = dir.resolve("status");
        Files.writeString(status, "Name:\tjava\nVmHWM:\t  2048 kB\nVmRSS:\t   1234 kB\n");
        assertEquals(1234L * 1024, ProcFiles.bytes(status, "VmRSS:"));
        assertEquals(2048L * 1024, ProcFiles.bytes(status, "VmHWM:"));
        assertEquals(-1, ProcFiles.bytes(status, "VmSwap:"));
        assertEquals(-1, ProcFiles.bytes(dir.resolve("absent"), "VmRSS:"));
    }
}
