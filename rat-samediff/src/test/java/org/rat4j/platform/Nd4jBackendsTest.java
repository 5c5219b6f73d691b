package org.rat4j.platform;

import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.*;

/** The build choice for several CPUs (flag sets as their /proc/cpuinfo lists them) and classpaths. */
class Nd4jBackendsTest {
    /** An AMD Zen 4/5 or Intel Xeon since Skylake-SP: AVX-512 with the subsets the AVX-512 build uses. */
    static final CpuFlags AVX512 = CpuFlags.parse("""
            processor\t: 0
            model name\t: AMD EPYC 9B14
            flags\t\t: fpu sse sse2 ssse3 sse4_1 sse4_2 avx avx2 fma f16c bmi1 bmi2 avx512f avx512dq avx512cd avx512bw avx512vl avx512_vnni
            processor\t: 1
            model name\t: ignored
            flags\t\t: fpu
            """);
    /** An AMD EPYC (Zen 2/3) or Intel Haswell-class CPU: AVX2 and FMA, no AVX-512. */
    static final CpuFlags AVX2 = new CpuFlags("AMD EPYC 7B13", Set.of("sse4_2", "avx", "avx2", "fma", "f16c", "bmi1", "bmi2"));
    /** AVX-512 foundation without the BW/VL subsets (Knights Landing): not enough for the AVX-512 build. */
    static final CpuFlags XEON_PHI = new CpuFlags("Xeon Phi", Set.of("sse4_2", "avx", "avx2", "fma", "f16c", "bmi1", "bmi2",
            "avx512f", "avx512cd"));
    /** AVX without FMA (Sandy Bridge), or an older CPU: only the generic build. */
    static final CpuFlags SANDY_BRIDGE = new CpuFlags("Xeon E5-2670", Set.of("sse4_2", "avx"));
    static final CpuFlags NONE = new CpuFlags("QEMU Virtual CPU", Set.of("sse2"));

    static final Predicate<CpuBuild> ALL = b -> true;

    static Nd4jBackends.Machine machine(CpuFlags cpu, Predicate<CpuBuild> present) {
        return new Nd4jBackends.Machine(cpu, "amd64", "Linux", true, false, present, false);
    }

    static CpuBuild auto(CpuFlags cpu) {
        return Nd4jBackends.choose(machine(cpu, ALL), null, null).build();
    }

    @Test
    void parsesTheFirstProcessorOfCpuinfo() {
        assertEquals("AMD EPYC 9B14", AVX512.model());
        assertTrue(AVX512.has("avx512bw"));
        assertFalse(AVX512.has("fpu sse"));
        assertEquals("sse4_2 avx avx2 fma f16c bmi1 bmi2 avx512f avx512cd avx512bw avx512dq avx512vl", AVX512.relevant());
    }

    @Test
    void choosesTheFastestBuildEachCpuCanRun() {
        assertEquals(CpuBuild.AVX512, auto(AVX512));
        assertEquals(CpuBuild.AVX2, auto(AVX2));
        assertEquals(CpuBuild.AVX2, auto(XEON_PHI));
        assertEquals(CpuBuild.GENERIC, auto(SANDY_BRIDGE));
        assertEquals(CpuBuild.GENERIC, auto(NONE));
    }

    @Test
    void javacppExtensionsNameEachBuildsLibraryDirectory() {
        assertEquals("-onednn-avx512", CpuBuild.AVX512.javacppExtension());
        assertEquals("-onednn-avx2", CpuBuild.AVX2.javacppExtension());
        // "" would make JavaCPP try every extension, AVX-512 first; "-" matches no jar and falls to the plain one
        assertEquals("-", CpuBuild.GENERIC.javacppExtension());
    }

    @Test
    void takesTheBestBuildPresentWhenTheFastestIsMissing() {
        Nd4jBackends.Choice c = Nd4jBackends.choose(machine(AVX512, b -> b != CpuBuild.AVX512), null, null);
        assertEquals(CpuBuild.AVX2, c.build());
    }

    @Test
    void refusesInOneLineWhenOnlyAnUnrunnableBuildIsPresent() {
        var e = assertThrows(Nd4jBackends.UnsupportedPlatformException.class,
                () -> Nd4jBackends.choose(machine(AVX2, b -> b == CpuBuild.AVX512), null, null));
        assertEquals("no ND4J CPU build on the classpath runs on this CPU (AMD EPYC 7B13): linux-x86_64-onednn-avx512"
                + " needs avx512bw avx512cd avx512dq avx512f avx512vl; add nd4j-native:linux-x86_64, which runs on every"
                + " x86-64 CPU", e.getMessage());
    }

    @Test
    void theEnvironmentOverridesButNeverToABuildTheCpuCannotRun() {
        assertEquals(CpuBuild.GENERIC, Nd4jBackends.choose(machine(AVX512, ALL), "generic", null).build());
        assertEquals(CpuBuild.AVX2, Nd4jBackends.choose(machine(AVX512, ALL), "linux-x86_64-onednn-avx2", null).build());
        var tooFast = assertThrows(Nd4jBackends.UnsupportedPlatformException.class,
                () -> Nd4jBackends.choose(machine(AVX2, ALL), "avx512", null));
        assertTrue(tooFast.getMessage().contains("lacks avx512bw avx512cd avx512dq avx512f avx512vl; use avx2"), tooFast.getMessage());
        var unknown = assertThrows(Nd4jBackends.UnsupportedPlatformException.class,
                () -> Nd4jBackends.choose(machine(AVX2, ALL), "sse9", null));
        assertTrue(unknown.getMessage().contains("use one of avx512, avx2, generic"), unknown.getMessage());
        var absent = assertThrows(Nd4jBackends.UnsupportedPlatformException.class,
                () -> Nd4jBackends.choose(machine(AVX512, b -> b == CpuBuild.GENERIC), "avx2", null));
        assertTrue(absent.getMessage().contains("nd4j-native:linux-x86_64-onednn-avx2, which is not on the classpath"));
    }

    @Test
    void aJavacppPropertyAlreadySetIsKeptIfTheCpuCanRunIt() {
        assertEquals(CpuBuild.AVX2, Nd4jBackends.choose(machine(AVX512, ALL), null, "-onednn-avx2").build());
        assertThrows(Nd4jBackends.UnsupportedPlatformException.class,
                () -> Nd4jBackends.choose(machine(SANDY_BRIDGE, ALL), null, "-onednn-avx2"));
    }

    @Test
    void otherPlatformsAndBackendsGetOneLine() {
        var arm = new Nd4jBackends.Machine(NONE, "aarch64", "Linux", true, false, ALL, false);
        var e = assertThrows(Nd4jBackends.UnsupportedPlatformException.class, () -> Nd4jBackends.choose(arm, null, null));
        assertTrue(e.getMessage().contains("this machine is Linux/aarch64"), e.getMessage());

        var cudaNoGpu = new Nd4jBackends.Machine(AVX2, "amd64", "Linux", false, true, b -> false, false);
        var noGpu = assertThrows(Nd4jBackends.UnsupportedPlatformException.class, () -> Nd4jBackends.choose(cudaNoGpu, null, null));
        assertTrue(noGpu.getMessage().contains("no NVIDIA GPU is visible"), noGpu.getMessage());
        var cuda = new Nd4jBackends.Machine(AVX2, "amd64", "Linux", false, true, b -> false, true);
        assertEquals("cuda", Nd4jBackends.choose(cuda, null, null).backend());
        assertNull(Nd4jBackends.choose(cuda, null, null).build());
    }
}
