package org.rat4j.platform;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * What runs: the rat4j version, the CPU and its relevant flags, the ND4J build this process actually loaded (read
 * from the libraries mapped into it, not from what was asked for), ND4J's own view of the binary and CPU levels,
 * and the thread counts. The training log, the benchmark summary and {@code rat4j env} print it.
 *
 * @param facts ordered name → value, e.g. {@code nd4j build → linux-x86_64-onednn-avx2}
 */
public record RuntimeReport(Map<String, String> facts) {

    /** The rat4j version this core jar was built as (filtered into {@code rat4j.properties} by Maven). */
    public static String version() {
        try (InputStream in = RuntimeReport.class.getResourceAsStream("rat4j.properties")) {
            if (in == null) return "unknown";
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    /**
     * Selects the ND4J build if nothing has yet ({@link Nd4jBackends#select()}), loads ND4J and reports.
     *
     * @throws Nd4jBackends.UnsupportedPlatformException when no build can run here
     */
    public static RuntimeReport collect() {
        Nd4jBackends.Choice choice = Nd4jBackends.select();
        CpuFlags cpu = CpuFlags.current();
        Map<String, String> f = new LinkedHashMap<>();
        f.put("rat4j", version());
        f.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        f.put("cpu", cpu.model() + ", " + Runtime.getRuntime().availableProcessors() + " cores");
        f.put("cpu flags", cpu.relevant());
        f.put("nd4j backend", choice.backend() + (choice.build() == null ? "" : " " + choice.build().shortName())
                + " (" + choice.reason() + ")");
        try {
            Nd4j.create(DataType.FLOAT, 1);
        } catch (Throwable e) {
            f.put("nd4j", "failed to load: " + firstLine(e));
            return new RuntimeReport(f);
        }
        f.put("nd4j build", loadedLibraryDirectory());
        f.put("nd4j levels", binaryLevels());
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        f.put("threads", "omp " + env.getOrDefault("omp.threads", "?") + ", blas " + blasThreads()
                + ", blas vendor " + env.getOrDefault("blas.vendor", "?"));
        return new RuntimeReport(f);
    }

    /** One line for a log: {@code rat4j 0.1.0 | nd4j build linux-x86_64-onednn-avx2 | cpu ... | threads ...}. */
    public String summary() {
        StringBuilder sb = new StringBuilder();
        for (String key : new String[]{"rat4j", "nd4j build", "nd4j", "cpu", "cpu flags", "threads"}) {
            String v = facts.get(key);
            if (v == null) continue;
            if (sb.length() > 0) sb.append(" | ");
            sb.append(key.equals("rat4j") ? "rat4j " + v : key + ": " + v);
        }
        return sb.toString();
    }

    /** One {@code name: value} line per fact. */
    public String details() {
        StringBuilder sb = new StringBuilder();
        facts.forEach((k, v) -> sb.append(String.format("%-13s %s%n", k + ":", v)));
        return sb.toString();
    }

    /**
     * The build whose {@code libnd4jcpu.so} (or the CUDA backend's library) is mapped into this process, named by
     * its classifier directory, e.g. {@code linux-x86_64-onednn-avx2}; "unknown" off Linux.
     */
    public static String loadedLibraryDirectory() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/maps"))) {
                int i = line.indexOf('/');
                if (i < 0) continue;
                Path path = Path.of(line.substring(i));
                String name = path.getFileName().toString();
                if (name.equals("libnd4jcpu.so") || name.equals("libnd4jcuda.so")) return path.getParent().getFileName().toString();
            }
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
        return "unknown";
    }

    /** The CPU build mapped into this process, or null (CUDA, not Linux, or a build rat4j does not ship). */
    public static CpuBuild loadedCpuBuild() {
        return CpuBuild.byLibraryDirectory(loadedLibraryDirectory());
    }

    /**
     * libnd4j's own view: the instruction level its binary was built for and the best level it detects on this CPU
     * (cpuid), {@code 1} generic, {@code 2} AVX2, {@code 3} AVX-512 as 1.0.0-M2.1 numbers them. Null array if unknown.
     */
    public static int[] binaryAndOptimalLevel() {
        try {
            var ops = org.nd4j.nativeblas.NativeOpsHolder.getInstance().getDeviceNativeOps();
            return new int[]{ops.binaryLevel(), ops.optimalLevel()};
        } catch (Throwable e) {
            return null;
        }
    }

    private static String binaryLevels() {
        int[] l = binaryAndOptimalLevel();
        return l == null ? "unknown" : "binary " + l[0] + ", CPU " + l[1] + " (libnd4j's levels)";
    }

    private static String blasThreads() {
        try {
            return Integer.toString(Nd4j.factory().blas().getMaxThreads());
        } catch (Throwable e) {
            return "?";
        }
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
