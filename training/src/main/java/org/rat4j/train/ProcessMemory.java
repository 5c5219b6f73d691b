package org.rat4j.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The resident set size of this process ({@code VmRSS} of {@code /proc/self/status}); -1 where unavailable. */
public final class ProcessMemory {
    private ProcessMemory() {
    }

    public static long rssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    String[] f = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(f[0]) * 1024L;
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        return -1;
    }

    public static double rssMb() {
        long b = rssBytes();
        return b < 0 ? Double.NaN : b / (1024.0 * 1024.0);
    }
}
