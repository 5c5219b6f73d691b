package org.rat4j.platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The instruction-set flags of this machine's CPU as the kernel reports them ({@code /proc/cpuinfo}), e.g.
 * {@code avx2}, {@code fma}, {@code avx512f}. The kernel lists a flag only when both the CPU and the operating
 * system support it (an AVX-512 CPU whose OS does not save the AVX-512 registers shows no {@code avx512*}), which is
 * exactly the question "may this process execute these instructions".
 *
 * @param model the CPU's model name, e.g. {@code AMD EPYC}
 * @param flags every flag, lower case
 */
public record CpuFlags(String model, Set<String> flags) {
    /** The flags that decide which ND4J build runs, in the order {@link #relevant()} prints them. */
    static final String[] RELEVANT = {"sse4_2", "avx", "avx2", "fma", "f16c", "bmi1", "bmi2",
            "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"};

    public CpuFlags {
        flags = Collections.unmodifiableSet(new TreeSet<>(flags));
    }

    /** This machine's flags; empty (and model "unknown") where {@code /proc/cpuinfo} cannot be read (not Linux). */
    public static CpuFlags current() {
        try {
            return parse(Files.readString(Path.of("/proc/cpuinfo")));
        } catch (IOException | RuntimeException e) {
            return new CpuFlags("unknown", Set.of());
        }
    }

    /** Reads the first processor's {@code model name} and {@code flags} lines of a {@code /proc/cpuinfo} text. */
    public static CpuFlags parse(String cpuinfo) {
        String model = "unknown";
        Set<String> flags = Set.of();
        boolean modelSeen = false;
        boolean flagsSeen = false;
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            String key = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            if (!modelSeen && key.equals("model name")) {
                model = value;
                modelSeen = true;
            } else if (!flagsSeen && key.equals("flags")) {
                flags = Arrays.stream(value.split("\\s+")).filter(s -> !s.isEmpty())
                        .map(s -> s.toLowerCase(Locale.ROOT)).collect(Collectors.toSet());
                flagsSeen = true;
            }
        }
        return new CpuFlags(model, flags);
    }

    public boolean has(String flag) {
        return flags.contains(flag);
    }

    public boolean hasAll(Set<String> required) {
        return flags.containsAll(required);
    }

    /** The flags of {@link #RELEVANT} this CPU has, space separated (for logs and {@code rat4j env}). */
    public String relevant() {
        return Arrays.stream(RELEVANT).filter(flags::contains).collect(Collectors.joining(" "));
    }
}
