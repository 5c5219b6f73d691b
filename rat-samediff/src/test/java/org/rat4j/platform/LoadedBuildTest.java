package org.rat4j.platform;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The ND4J build this test JVM actually loaded (the library mapped into the process) is the one the session
 * listener chose, and one this CPU can run, by our reading of its flags and by libnd4j's own cpuid check.
 */
class LoadedBuildTest {
    @Test
    void theLoadedBuildIsTheChosenOneAndRunsOnThisCpu() {
        Nd4jBackends.Choice choice = Nd4jBackends.selected();
        assertNotNull(choice, "the test session listener (META-INF/services) did not run before the tests");
        assertEquals(12.0, Nd4j.create(new float[]{3, 4}, 2).mul(Nd4j.create(new float[]{2, 1.5f}, 2)).sumNumber().doubleValue());

        CpuBuild loaded = RuntimeReport.loadedCpuBuild();
        assertNotNull(loaded, "no known libnd4jcpu.so mapped: " + RuntimeReport.loadedLibraryDirectory());
        assertEquals(choice.build(), loaded);
        CpuFlags cpu = CpuFlags.current();
        assertTrue(loaded.runsOn(cpu), loaded + " needs " + loaded.missingOn(cpu));
        if (System.getenv(Nd4jBackends.OVERRIDE_ENV) == null) assertEquals(CpuBuild.fastestFor(cpu), loaded);

        int[] levels = RuntimeReport.binaryAndOptimalLevel();
        assertNotNull(levels);
        assertTrue(levels[0] <= levels[1], "libnd4j says its binary level " + levels[0] + " exceeds this CPU's " + levels[1]);
        assertEquals(loaded.ordinal(), CpuBuild.values().length - levels[0], "binary level of " + loaded);
    }

    @Test
    void theReportNamesVersionBuildFlagsAndThreads() {
        RuntimeReport r = RuntimeReport.collect();
        String s = r.summary();
        assertTrue(s.startsWith("rat4j " + RuntimeReport.version()), s);
        assertFalse(RuntimeReport.version().contains("${"), "version not filtered: " + RuntimeReport.version());
        assertTrue(s.contains("nd4j build: " + RuntimeReport.loadedCpuBuild().classifier()), s);
        assertTrue(s.contains("threads: omp "), s);
    }
}
