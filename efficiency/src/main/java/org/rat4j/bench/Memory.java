package org.rat4j.bench;

import org.rat4j.platform.ProcFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Memory of this process and of the machine (Linux /proc), the memory budget of a case, and the classification of a
 * failure as out-of-memory.
 */
public final class Memory {
    public static final long GIB = 1L << 30;

    private Memory() {
    }

    /** MemAvailable of /proc/meminfo, or -1. */
    public static long availableBytes() {
        return meminfo("MemAvailable:");
    }

    public static long totalBytes() {
        return meminfo("MemTotal:");
    }

    private static long meminfo(String key) {
        return ProcFiles.bytes(Path.of("/proc/meminfo"), key);
    }

    /** Resets this process's peak RSS (VmHWM), Linux ≥ 4.0; false where that is not possible. */
    public static boolean resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Peak resident set size since the last {@link #resetPeak()}, or -1. */
    public static long peakRss() {
        return status("VmHWM:");
    }

    public static long currentRss() {
        return status("VmRSS:");
    }

    private static long status(String key) {
        return ProcFiles.bytes(Path.of("/proc/self/status"), key);
    }

    /**
     * True when a failure is an out-of-memory: a Java {@link OutOfMemoryError} (JavaCPP throws one when the
     * {@code maxbytes}/{@code maxphysicalbytes} limits are hit) or a native allocation failure reported by ND4J.
     */
    public static boolean isOutOfMemory(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof OutOfMemoryError) return true;
            String msg = c.getMessage();
            if (msg == null) continue;
            String m = msg.toLowerCase(Locale.ROOT);
            if (m.contains("out of memory") || m.contains("outofmemory") || m.contains("bad_alloc")
                    || m.contains("failed to allocate") || m.contains("cannot allocate")
                    || m.contains("physical memory usage is too high") || m.contains("allocation failed")
                    || m.contains("memory allocation")) {
                return true;
            }
        }
        return false;
    }

    /** A short one-line description of a failure. */
    public static String describe(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String msg = root.getMessage() == null ? "" : root.getMessage().replaceAll("\\s+", " ");
        if (msg.length() > 160) msg = msg.substring(0, 160) + "…";
        return root.getClass().getSimpleName() + (msg.isEmpty() ? "" : ": " + msg);
    }

    /** A JVM-style size, {@code 6g}, {@code 512m}, {@code 1024k} or bytes. */
    public static long parseSize(String size) {
        String s = size.trim().toLowerCase(Locale.ROOT);
        long unit = switch (s.isEmpty() ? ' ' : s.charAt(s.length() - 1)) {
            case 'g' -> GIB;
            case 'm' -> 1L << 20;
            case 'k' -> 1L << 10;
            default -> 1;
        };
        String digits = unit == 1 ? s : s.substring(0, s.length() - 1);
        try {
            return Long.parseLong(digits) * unit;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a size: '" + size + "' (use e.g. 6g, 512m)");
        }
    }

    public static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) GIB);
    }
}
