package org.rat4j.block;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The parameter names every mixer block uses, relative to the block, as in the reference PyTorch state dict
 * ({@code docs/weights.md}): the pre-norm gain, the input and output projections, and the forget-gate bias of the
 * recurrent mixers. Graph forms, decode steps, initialisers and the DL4J adapters read them from here.
 */
public final class MixerParams {
    public static final String NORM = "input_norm.weight";
    public static final String IN_PROJ = "in_proj.weight";
    public static final String OUT_PROJ = "out_proj.weight";
    public static final String GATE_BIAS = "gate_bias";

    private MixerParams() {
    }

    /**
     * The shapes of a mixer's tensors in state-dict order: the norm, {@code in_proj [inRows, D]}, the gate bias when
     * the mixer has one, {@code out_proj [D, D]}.
     */
    public static LinkedHashMap<String, long[]> shapes(BlockDims dims, int inRows, boolean gateBias) {
        long d = dims.dModel();
        LinkedHashMap<String, long[]> m = new LinkedHashMap<>();
        m.put(NORM, new long[]{d});
        m.put(IN_PROJ, new long[]{inRows, d});
        if (gateBias) m.put(GATE_BIAS, new long[]{d});
        m.put(OUT_PROJ, new long[]{d, d});
        return m;
    }

    /** The reference init of the shared tensors (spec §2.7): norm gain 1, both projections N(0, init_std²). */
    public static void initializeProjections(Map<String, INDArray> p, Initializer init, BlockDims dims) {
        p.get(NORM).assign(1.0);
        init.normal(IN_PROJ, p.get(IN_PROJ), dims.initStd());
        init.normal(OUT_PROJ, p.get(OUT_PROJ), dims.initStd());
    }

    /**
     * The forget-gate bias {@code log U(1, horizon − 1)} (spec §1.1, §2.1): RAT's horizon is its chunk length L, the
     * RNN's ("chrono" init) the training length T. The reference leaves a horizon of 2 or less uninitialised; rat4j
     * uses 0 (σ = 0.5).
     */
    public static void initializeGateBias(Map<String, INDArray> p, Initializer init, int horizon) {
        if (horizon > 2) {
            init.logUniform(GATE_BIAS, p.get(GATE_BIAS), horizon - 1);
        } else {
            p.get(GATE_BIAS).assign(0.0);
        }
    }
}
