package org.rat4j.bench;

import java.util.ArrayList;
import java.util.List;

/** What the parent asks one worker JVM to run: a list of cases (one mixer and mode, ascending T) and the limits. */
public class WorkerTask {
    /** One case; the worker fills in the rest of the {@link LayerResult}. */
    public static class CaseSpec extends LayerCase {
        public CaseSpec() {
        }

        public CaseSpec(String mode, String mixer, int d, int heads, int batch, int seqLen) {
            super(mode, mixer, d, heads, batch, seqLen);
        }
    }

    public List<CaseSpec> cases = new ArrayList<>();
    /** Warm-ups, repeats and time per case, as the suite sets them. */
    public LayerBenchmark.Protocol protocol;
    public double caseTimeoutSeconds;
    public long memoryBudget;
    public long memoryReserve;
    /** Wall-clock time (epoch ms) after which no case is started. */
    public long deadlineMillis;
    public long seed;
    public double gemmGflops;
    public double bandwidthGBps;
    /** A measured previous case of the same mixer and mode from an earlier worker (for predictions), or null. */
    public LayerResult previous;
}
