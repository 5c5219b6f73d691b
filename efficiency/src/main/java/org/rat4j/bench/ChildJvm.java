package org.rat4j.bench;

import org.rat4j.platform.ProcFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a class of this module in a child JVM (same Java, classpath and environment), or any command, and watches it: every 250 ms
 * the watcher sees the child's resident memory and may stop it (a case over the memory budget, or too slow).
 * Its standard output and error go to a log file, since ND4J and SameDiff print diagnostics there.
 */
public final class ChildJvm {
    /** Decides, from the child's RSS, whether to stop it; returns the reason or null. */
    @FunctionalInterface
    public interface Watcher {
        String check(long rssBytes);
    }

    /** How the child ended: its exit code, and the watcher's reason if the watcher stopped it. */
    public record Outcome(int exitCode, String stoppedFor, long peakRss) {
        public boolean clean() {
            return exitCode == 0 && stoppedFor == null;
        }
    }

    private ChildJvm() {
    }

    public static Outcome run(Class<?> main, List<String> args, String heap, Path log, Watcher watcher)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx" + heap);
        // A crash report (a case that dies in native code) goes next to the child's log, not into the working directory.
        cmd.add("-XX:ErrorFile=" + log.toAbsolutePath().resolveSibling("hs_err_pid%p.log"));
        cmd.add("-Djava.awt.headless=true");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(args);
        return runCommand(cmd, log, watcher);
    }

    /** Any command (e.g. the Python peer), watched the same way. */
    public static Outcome runCommand(List<String> cmd, Path log, Watcher watcher) throws IOException, InterruptedException {
        Files.createDirectories(log.toAbsolutePath().getParent());
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Process p = pb.start();
        String stopped = null;
        long peak = 0;
        while (p.isAlive()) {
            long rss = rssOf(p.pid());
            peak = Math.max(peak, rss);
            String reason = watcher.check(rss);
            if (reason != null) {
                stopped = reason;
                p.destroyForcibly();
                p.waitFor();
                break;
            }
            Thread.sleep(250);
        }
        return new Outcome(p.waitFor(), stopped, peak);
    }

    static long rssOf(long pid) {
        return Math.max(0, ProcFiles.bytes(Path.of("/proc/" + pid + "/status"), "VmRSS:"));   // 0 once it is gone
    }
}
