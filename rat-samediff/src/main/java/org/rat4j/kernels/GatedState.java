package org.rat4j.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;

import static org.rat4j.kernels.NdBuffers.readRow;

/**
 * The running key and value states of a gated recurrence in a decode step, the part RAT's cache (within a chunk,
 * spec §1.2) and RAT+'s (over the sequence, spec §3.1) share: per sequence b and column j,
 * <pre>
 *   k̃_t = f_t·k̃_{t−1} + (1 − f_t)·k_t        ṽ_t = f_t·ṽ_{t−1} + (1 − f_t)·v_t
 * </pre>
 * held as float64 rows {@code [B, D]} and, for a bfloat16 cache, rounded to bfloat16 after every update as the
 * papers' code keeps them.
 */
public final class GatedState {
    private final double[] keys;                                                        // [B, D]
    private final double[] values;                                                      // [B, D]
    private final int d;
    private final boolean bf16;

    public GatedState(int batch, int d, boolean bf16) {
        this.keys = new double[batch * d];
        this.values = new double[batch * d];
        this.d = d;
        this.bf16 = bf16;
    }

    /** One gated update of column j of sequence b; {@code restart} (a new chunk or sequence) drops the old state. */
    public void update(int b, int j, double f, double k, double v, boolean restart) {
        int at = b * d + j;
        keys[at] = (restart ? 0 : keys[at]) * f + (1 - f) * k;
        values[at] = (restart ? 0 : values[at]) * f + (1 - f) * v;
    }

    /** Ends sequence b's updates of a step: its row is rounded to bfloat16 where the state is kept in bfloat16. */
    public void endStep(int b) {
        if (bf16) {
            Bf16.round(keys, b * d, d);
            Bf16.round(values, b * d, d);
        }
    }

    /**
     * After a prefill, sequence b's state is the graph's state at its last token: row {@code last} of the taps
     * {@code keys}, {@code values} ({@code [B, T, D]}).
     */
    public void load(INDArray keyTap, INDArray valueTap, int b, int last) {
        readRow(keyTap, b, last, keys, b * d);
        readRow(valueTap, b, last, values, b * d);
        endStep(b);
    }

    /** The key states {@code [B, D]}, row-major; callers read them and copy before changing them. */
    public double[] keys() {
        return keys;
    }

    /** The value states {@code [B, D]}, row-major; read only. */
    public double[] values() {
        return values;
    }
}
