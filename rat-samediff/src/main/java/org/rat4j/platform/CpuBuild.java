package org.rat4j.platform;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The ND4J 1.0.0-M2.1 CPU builds for Linux x86-64 that rat4j ships (backends/cpu), fastest first, each with the
 * instructions its {@code libnd4jcpu.so} was compiled for. libnd4j's CMake builds the AVX2 binary with
 * {@code -mavx -mavx2 -mfma -mf16c} (and SSE up to 4.2) and the AVX-512 binary additionally with
 * {@code -mavx512f -mavx512vl -mavx512bw -mavx512dq -mavx512cd -mbmi -mbmi2}; the generic one targets baseline
 * x86-64. oneDNN, linked into the first two, picks its kernels at run time. Running a build on a CPU without its
 * instructions ends in SIGILL inside the library's static initialisers (seen on an AVX2-only EPYC with the
 * AVX-512 build: {@code sd::ops::HashHelper::getInstance()}).
 */
public enum CpuBuild {
    AVX512("avx512", "linux-x86_64-onednn-avx512",
            "sse4_2", "avx", "avx2", "fma", "f16c", "bmi1", "bmi2", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"),
    AVX2("avx2", "linux-x86_64-onednn-avx2", "sse4_2", "avx", "avx2", "fma", "f16c"),
    GENERIC("generic", "linux-x86_64");

    /** The platform every classifier starts with; JavaCPP's "extension" is what follows it. */
    static final String PLATFORM = "linux-x86_64";

    private final String shortName;
    private final String classifier;
    private final Set<String> required;

    CpuBuild(String shortName, String classifier, String... required) {
        this.shortName = shortName;
        this.classifier = classifier;
        this.required = Set.copyOf(Arrays.asList(required));
    }

    /** The name the {@code RAT4J_ND4J_BUILD} override takes: {@code avx512}, {@code avx2}, {@code generic}. */
    public String shortName() {
        return shortName;
    }

    /** The Maven classifier of its {@code nd4j-native} jar. */
    public String classifier() {
        return classifier;
    }

    /** The {@code /proc/cpuinfo} flags it needs. */
    public Set<String> required() {
        return required;
    }

    /**
     * The value of JavaCPP's {@code org.bytedeco.javacpp.platform.extension} that makes it load this build's
     * libraries. The generic build has none, but an empty value would let JavaCPP try every extension (AVX-512
     * first); {@code "-"} is one of the extensions ND4J's presets declare, matches no jar, and so falls through to
     * the plain {@code linux-x86_64} directory.
     */
    public String javacppExtension() {
        String ext = classifier.substring(PLATFORM.length());
        return ext.isEmpty() ? "-" : ext;
    }

    public boolean runsOn(CpuFlags cpu) {
        return cpu.hasAll(required);
    }

    /** The required flags this CPU lacks, space separated. */
    public String missingOn(CpuFlags cpu) {
        return new TreeSet<>(required).stream().filter(f -> !cpu.has(f)).collect(Collectors.joining(" "));
    }

    /** The fastest build this CPU can execute (the generic one runs on every x86-64 CPU). */
    public static CpuBuild fastestFor(CpuFlags cpu) {
        for (CpuBuild b : values()) if (b.runsOn(cpu)) return b;
        return GENERIC;
    }

    /** The build named by a short name ({@code avx2}) or a classifier ({@code linux-x86_64-onednn-avx2}); null if none. */
    public static CpuBuild byName(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (CpuBuild b : values()) {
            if (b.shortName.equals(n) || b.classifier.equals(n)) return b;
        }
        return null;
    }

    /** The build whose native library directory (its classifier) is {@code dir}; null if none. */
    public static CpuBuild byLibraryDirectory(String dir) {
        for (CpuBuild b : values()) if (b.classifier.equals(dir)) return b;
        return null;
    }

    public static String names() {
        return Arrays.stream(values()).map(CpuBuild::shortName).collect(Collectors.joining(", "));
    }
}
