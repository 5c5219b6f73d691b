package org.rat4j.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Fields of Linux's {@code /proc} files, for the memory figures that training and the benchmarks report. */
public final class ProcFiles {
    private ProcFiles() {
    }

    /**
     * A field given in kB, in bytes: {@code bytes(Path.of("/proc/self/status"), "VmRSS:")} or
     * {@code bytes(Path.of("/proc/meminfo"), "MemAvailable:")}; -1 where the file or field is missing (not Linux, a
     * process that has exited).
     */
    public static long bytes(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                if (line.startsWith(key)) return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]) * 1024L;
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux, or gone
        }
        return -1;
    }

    /** The resident set size of this process, in bytes; -1 where unavailable. */
    public static long rssBytes() {
        return bytes(Path.of("/proc/self/status"), "VmRSS:");
    }
}
