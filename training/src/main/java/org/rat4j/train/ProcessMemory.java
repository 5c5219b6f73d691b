package org.rat4j.train;

import org.rat4j.platform.ProcFiles;

/** The resident set size of this process ({@code VmRSS} of {@code /proc/self/status}); -1 where unavailable. */
public final class ProcessMemory {
    private ProcessMemory() {
    }

    public static long rssBytes() {
        return ProcFiles.rssBytes();
    }

    public static double rssMb() {
        long b = rssBytes();
        return b < 0 ? Double.NaN : b / (1024.0 * 1024.0);
    }
}
