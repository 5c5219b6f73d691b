package org.rat4j.bench;

import org.rat4j.platform.Nd4jBackends;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** Child process of {@link MachineLimits#probeOpenBlasCore()}: loads ND4J (and so OpenBLAS) and runs one GEMM. */
public final class BlasCoreProbe {
    private BlasCoreProbe() {
    }

    public static void main(String[] args) {
        Nd4jBackends.select();  // the build this CPU runs, before ND4J loads (as the parent benchmark did)
        Nd4j.gemm(Nd4j.ones(DataType.FLOAT, 8, 8), Nd4j.ones(DataType.FLOAT, 8, 8), false, false);
        System.exit(0);
    }
}
