package org.rat4j.ops;

import org.rat4j.config.ConfigException;
import org.rat4j.config.ConfigReader;

import java.util.Map;

import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.rat4j.compat.Dl4jM21;

/**
 * Rotary position embedding, half-split convention (spec §1.4): {@code inv_freq_i = base^(-2i/d)}, angle
 * {@code θ = p·inv_freq}, {@code cos = [cos θ, cos θ]}, and {@code rot(x) = x⊙cos + [-x₂, x₁]⊙sin} where x₁, x₂ are the
 * two halves of the head vector. Attention and RAT+ use token positions; RAT's InterRoPE uses chunk indices.
 */
public final class RotaryEmbedding {
    /** The base of every RoPE in the reference models (spec §1.3, §2.2). */
    public static final double DEFAULT_BASE = 10000.0;
    /** The config key that turns positional encoding off: {@code rope: none} (NoPE); absent or {@code rope} keeps it. */
    public static final String KEY = "rope";

    /** Whether a mixer config asks for RoPE ({@code rope: rope}, the default) or for none ({@code rope: none}). */
    public static boolean read(ConfigReader r) {
        String v = r.getString(KEY, "rope").trim();
        if (v.equals("rope")) return true;
        if (v.equals("none")) return false;
        throw new ConfigException("'" + r.path() + "." + KEY + "' must be 'rope' or 'none' (no positional encoding), got "
                + ConfigException.quote(v));
    }

    /** Writes the key {@link #read} reads, only when positional encoding is off (configs with RoPE stay unchanged). */
    public static void write(Map<String, Object> m, boolean rope) {
        if (!rope) m.put(KEY, "none");
    }

    private RotaryEmbedding() {
    }

    /** Tables {@code {cos, sin}} at token positions 0..T-1 of a graph, shared by all its layers. */
    public static SDVariable[] tokenTables(GraphContext ctx, int headDim, double base) {
        int seqLen = ctx.seqLen();
        String key = "rope.T" + seqLen + ".d" + headDim + ".base" + base;
        return new SDVariable[]{
                ctx.constant(key + ".cos", () -> tables(positions(seqLen, 1, 0), headDim, base)[0]),
                ctx.constant(key + ".sin", () -> tables(positions(seqLen, 1, 0), headDim, base)[1])};
    }

    /**
     * The cos and sin tables for the given positions, computed in double.
     *
     * @return {@code {cos, sin}}, each {@code [positions.length, d]} in double
     */
    public static INDArray[] tables(long[] positions, int d, double base) {
        int half = d / 2;
        double[][] cos = new double[positions.length][d];
        double[][] sin = new double[positions.length][d];
        for (int t = 0; t < positions.length; t++) {
            for (int i = 0; i < half; i++) {
                double theta = positions[t] * Math.pow(base, -2.0 * i / d);
                cos[t][i] = cos[t][i + half] = Math.cos(theta);
                sin[t][i] = sin[t][i + half] = Math.sin(theta);
            }
        }
        return new INDArray[]{Nd4j.createFromArray(cos), Nd4j.createFromArray(sin)};
    }

    /** Positions {@code offset, offset+1, ...} repeated {@code repeat} times each, e.g. chunk indices of tokens. */
    public static long[] positions(int count, int repeat, long offset) {
        long[] p = new long[count];
        for (int t = 0; t < count; t++) p[t] = t / repeat + offset;
        return p;
    }

    /**
     * @param x        {@code [B, H, T, d]}
     * @param cos      {@code [T, d]} (broadcast over the leading axes)
     * @param sin      {@code [T, d]}
     * @param headDim  d (SameDiff does not infer shapes while a graph is built)
     */
    public static SDVariable apply(SameDiff sd, SDVariable x, SDVariable cos, SDVariable sin, int headDim) {
        return Dl4jM21.broadcastMultiply(sd, x, cos).add(Dl4jM21.broadcastMultiply(sd, rotateHalf(sd, x, headDim), sin));
    }

    private static SDVariable rotateHalf(SameDiff sd, SDVariable x, int headDim) {
        int rank = 4;
        int half = headDim / 2;
        SDIndex[] lo = new SDIndex[rank];
        SDIndex[] hi = new SDIndex[rank];
        for (int i = 0; i < rank - 1; i++) lo[i] = hi[i] = SDIndex.all();
        lo[rank - 1] = SDIndex.interval(0, half);
        hi[rank - 1] = SDIndex.interval(half, 2 * half);
        return sd.concat(rank - 1, x.get(hi).neg(), x.get(lo));
    }

    /**
     * Eager form for decoding: rotates {@code x [B, H, d]} where row b uses the angle row {@code cos[b], sin[b]}.
     *
     * @param cos {@code [B, 1, d]}
     * @param sin {@code [B, 1, d]}
     */
    public static INDArray applyEager(INDArray x, INDArray cos, INDArray sin) {
        long d = x.size(2);
        long half = d / 2;
        INDArray rotated = Nd4j.concat(2,
                x.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(half, d)).neg(),
                x.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, half)));
        return x.mul(cos).addi(rotated.muli(sin));
    }
}
