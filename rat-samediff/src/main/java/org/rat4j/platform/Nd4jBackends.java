package org.rat4j.platform;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Chooses which ND4J build this process loads, before ND4J loads. With several CPU builds on the classpath ND4J
 * itself takes the AVX-512 one on any CPU (JavaCPP tries the extensions its presets list in a fixed order;
 * deeplearning4j issue 8621), which ends in SIGILL on a CPU without AVX-512. {@link #select()} reads the CPU's flags
 * and sets JavaCPP's {@code org.bytedeco.javacpp.platform.extension} to the fastest build this CPU can execute and
 * whose jar is on the classpath; {@code RAT4J_ND4J_BUILD=avx512|avx2|generic} overrides the choice.
 *
 * <p>Call it first thing in {@code main} (the {@code rat4j} launcher, the benchmark workers and the test runs do);
 * once ND4J has loaded it is too late. A process that declares a single {@code nd4j-native} classifier needs no
 * selection, but {@code select()} still refuses a build the CPU cannot run, in one line, instead of a JVM crash.
 */
public final class Nd4jBackends {
    /** The environment variable that overrides the choice. */
    public static final String OVERRIDE_ENV = "RAT4J_ND4J_BUILD";
    /** JavaCPP's system property: the suffix of the platform directory its loader looks in first. */
    public static final String JAVACPP_EXTENSION = "org.bytedeco.javacpp.platform.extension";
    static final String CPU_BACKEND_CLASS = "org.nd4j.linalg.cpu.nativecpu.CpuBackend";
    static final String CUDA_BACKEND_CLASS = "org.nd4j.linalg.jcublas.JCublasBackend";
    private static final String LIBRARY_RESOURCE = "org/nd4j/linalg/cpu/nativecpu/bindings/%s/libnd4jcpu.so";

    private static volatile Choice selected;

    private Nd4jBackends() {
    }

    /**
     * What was chosen and why.
     *
     * @param backend "cpu", "cuda" or "none" (no ND4J backend on the classpath)
     * @param build   the CPU build, or null where rat4j does not choose one (CUDA, a single build it cannot name)
     * @param reason  one line: how the choice was made
     */
    public record Choice(String backend, CpuBuild build, String reason) {
    }

    /** Thrown when no ND4J build on the classpath can run here; its message is one line that names the fix. */
    public static final class UnsupportedPlatformException extends RuntimeException {
        public UnsupportedPlatformException(String message) {
            super(message);
        }
    }

    /**
     * Chooses and sets the ND4J build for this process (once; later calls return the first choice).
     *
     * @throws UnsupportedPlatformException when no build on the classpath can run on this machine
     */
    public static synchronized Choice select() {
        if (selected != null) return selected;
        Machine machine = Machine.current();
        Choice c = choose(machine, System.getenv(OVERRIDE_ENV), System.getProperty(JAVACPP_EXTENSION));
        if (c.build() != null) System.setProperty(JAVACPP_EXTENSION, c.build().javacppExtension());
        selected = c;
        return c;
    }

    /** The choice {@link #select()} made, or null before it ran. */
    public static Choice selected() {
        return selected;
    }

    /**
     * What a machine offers: its CPU, architecture and OS, which backends and CPU builds are on the classpath, and
     * whether an NVIDIA GPU is visible.
     */
    record Machine(CpuFlags cpu, String arch, String os, boolean cpuBackend, boolean cudaBackend,
                   Predicate<CpuBuild> buildPresent, boolean nvidiaGpu) {
        static Machine current() {
            ClassLoader loader = Nd4jBackends.class.getClassLoader();
            return new Machine(CpuFlags.current(), System.getProperty("os.arch", ""), System.getProperty("os.name", ""),
                    classPresent(CPU_BACKEND_CLASS, loader), classPresent(CUDA_BACKEND_CLASS, loader),
                    b -> loader.getResource(String.format(LIBRARY_RESOURCE, b.classifier())) != null, nvidiaGpuVisible());
        }

        boolean x86Linux() {
            String a = arch.toLowerCase(Locale.ROOT);
            return (a.equals("amd64") || a.equals("x86_64")) && os.toLowerCase(Locale.ROOT).startsWith("linux");
        }
    }

    /** The decision, from facts only (unit-tested for several machines). */
    static Choice choose(Machine m, String override, String presetExtension) {
        if (!m.cpuBackend()) {
            if (!m.cudaBackend()) return new Choice("none", null, "no ND4J backend on the classpath");
            if (!m.nvidiaGpu()) {
                throw new UnsupportedPlatformException("this build uses ND4J's CUDA 11.6 backend (mvn -Pcuda) but no"
                        + " NVIDIA GPU is visible (no /dev/nvidia0, no /proc/driver/nvidia/gpus); rebuild without -Pcuda"
                        + " to run on the CPU");
            }
            return new Choice("cuda", null, "ND4J CUDA backend on the classpath, NVIDIA GPU present");
        }
        List<CpuBuild> present = new ArrayList<>();
        for (CpuBuild b : CpuBuild.values()) if (m.buildPresent().test(b)) present.add(b);
        if (present.isEmpty()) {
            return new Choice("cpu", null, "no " + CpuBuild.PLATFORM + " ND4J build on the classpath; ND4J chooses");
        }
        if (!m.x86Linux()) {
            throw new UnsupportedPlatformException("the ND4J CPU builds on the classpath are for Linux x86-64, but this"
                    + " machine is " + m.os() + "/" + m.arch() + "; depend on nd4j-native with your platform's classifier"
                    + " (e.g. linux-arm64, macosx-x86_64) instead");
        }
        if (presetExtension != null && !presetExtension.isEmpty()) {
            CpuBuild b = byExtension(presetExtension);
            if (b == null) return new Choice("cpu", null, "-D" + JAVACPP_EXTENSION + "=" + presetExtension + " (left as given)");
            requireRunnable(b, m, "-D" + JAVACPP_EXTENSION + "=" + presetExtension);
            return new Choice("cpu", b, "set by -D" + JAVACPP_EXTENSION);
        }
        if (override != null && !override.isBlank()) {
            CpuBuild b = CpuBuild.byName(override);
            if (b == null) {
                throw new UnsupportedPlatformException(OVERRIDE_ENV + "='" + override + "' names no ND4J build; use one of "
                        + CpuBuild.names() + ", or unset it to choose from the CPU's flags");
            }
            requireRunnable(b, m, OVERRIDE_ENV + "=" + override);
            if (!present.contains(b)) {
                throw new UnsupportedPlatformException(OVERRIDE_ENV + "=" + override + " asks for nd4j-native:"
                        + b.classifier() + ", which is not on the classpath; add it or unset " + OVERRIDE_ENV);
            }
            return new Choice("cpu", b, "set by " + OVERRIDE_ENV);
        }
        for (CpuBuild b : present) {
            if (b.runsOn(m.cpu())) return new Choice("cpu", b, "the fastest build on the classpath this CPU can run");
        }
        CpuBuild best = present.get(present.size() - 1);
        throw new UnsupportedPlatformException("no ND4J CPU build on the classpath runs on this CPU (" + m.cpu().model()
                + "): " + best.classifier() + " needs " + best.missingOn(m.cpu()) + "; add nd4j-native:"
                + CpuBuild.GENERIC.classifier() + ", which runs on every x86-64 CPU");
    }

    private static void requireRunnable(CpuBuild b, Machine m, String source) {
        if (!b.runsOn(m.cpu())) {
            throw new UnsupportedPlatformException(source + " asks for the " + b.shortName() + " build, but this CPU ("
                    + m.cpu().model() + ") lacks " + b.missingOn(m.cpu()) + "; use "
                    + CpuBuild.fastestFor(m.cpu()).shortName() + " or unset it");
        }
    }

    private static CpuBuild byExtension(String extension) {
        for (CpuBuild b : CpuBuild.values()) if (b.javacppExtension().equals(extension)) return b;
        return null;
    }

    private static boolean classPresent(String name, ClassLoader loader) {
        try {
            Class.forName(name, false, loader);
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** An NVIDIA driver with at least one GPU: a device node, or an entry under the driver's proc directory. */
    static boolean nvidiaGpuVisible() {
        if (new File("/dev/nvidia0").exists()) return true;
        Path gpus = Path.of("/proc/driver/nvidia/gpus");
        try (var entries = Files.list(gpus)) {
            return entries.findAny().isPresent();
        } catch (Exception e) {
            return false;
        }
    }
}
