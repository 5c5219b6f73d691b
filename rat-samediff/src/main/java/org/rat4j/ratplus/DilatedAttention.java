package org.rat4j.ratplus;

import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.rat4j.ops.AttentionMask;
import org.rat4j.ops.BandedAttention;
import org.rat4j.ops.GraphContext;

import java.util.ArrayList;
import java.util.List;

/**
 * RAT+'s sparse attention (spec §3.2) without a {@code [T, T]} score matrix. The keys a query t may see split into
 * three disjoint sets, each gathered densely:
 * <ul>
 *   <li>sinks: keys {@code 0 .. P−1} (up to t), scores {@code [B, H, T, P]};</li>
 *   <li>local: keys {@code max(P, t−W) .. t}, as a band of {@link BandedAttention} blocks, {@code [B, H, T, 2S]};</li>
 *   <li>dilated: keys {@code j_m = d_st + m·Dl} (every Dl-th key from the first one at or after P) strictly before the
 *       window, one strided slice of the keys, {@code [B, H, T, ⌈(T−d_st)/Dl⌉]}.</li>
 * </ul>
 * One softmax runs over the three score blocks side by side, so the result equals the dense masked attention; memory
 * is O(T·(P + 2S + T/Dl)) instead of O(T²).
 */
public final class DilatedAttention {
    private DilatedAttention() {
    }

    /** The block size of the local branch, or -1 when the pattern is better run densely at this length. */
    public static int blockSize(int seqLen, RatPlusPattern pattern) {
        if (pattern.isDense()) return -1;
        return BandedAttention.blockSize(seqLen, pattern.local());
    }

    /** How many keys the strided (dilated) branch scores at length T: 0 without dilated keys. */
    public static int dilatedKeys(RatPlusPattern pattern, int seqLen) {
        if (pattern.dilation() == -1) return 0;
        int start = firstDilatedKey(pattern);
        return start < seqLen ? (seqLen - 1 - start) / pattern.dilation() + 1 : 0;
    }

    /** d_st: the first key index at or after P with {@code (j+1) mod Dl = 0}. */
    public static int firstDilatedKey(RatPlusPattern pattern) {
        int dl = pattern.dilation();
        return pattern.initial() + Math.floorMod(dl - 1 - pattern.initial(), dl);
    }

    /**
     * @param q     {@code [B, H, T, d]} (RoPE applied)
     * @param k     {@code [B, H, T, d]} (RoPE applied)
     * @param v     {@code [B, H, T, d]}
     * @param block S from {@link #blockSize}
     * @return {@code [B, H, T, d]}
     */
    public static SDVariable apply(GraphContext ctx, SDVariable q, SDVariable k, SDVariable v, int heads, int headDim,
                                   RatPlusPattern pattern, int block) {
        SameDiff sd = ctx.sd();
        int seqLen = ctx.seqLen();
        int blocks = seqLen / block;
        double scale = 1.0 / Math.sqrt(headDim);
        String key = pattern + ".S" + block + ".T" + seqLen + ".H" + heads;
        List<SDVariable> scores = new ArrayList<>();
        List<SDVariable> values = new ArrayList<>();
        List<Integer> widths = new ArrayList<>();

        // local window, sinks excluded: the banded layout, viewed per token
        int sinks = Math.min(pattern.initial(), seqLen);
        SDVariable local = BandedAttention.scores(ctx, q, k, heads, headDim, pattern.local(), block, sinks);   // [B, H·n, S, 2S]
        scores.add(sd.reshape(local, -1, heads, seqLen, 2L * block));                                     // [B, H, T, 2S]
        values.add(BandedAttention.band(sd, v, heads, blocks, block, headDim, seqLen));
        widths.add(2 * block);

        if (sinks > 0) {
            SDIndex first = SDIndex.interval(0, sinks);
            scores.add(branch(ctx, q, k, first, scale, "mask.ratplus.sinks" + key, sinks, (t, j) -> j <= t));   // [B, H, T, P]
            values.add(v.get(SDIndex.all(), SDIndex.all(), first, SDIndex.all()));                     // [B, H, P, d]
            widths.add(sinks);
        }

        int count = dilatedKeys(pattern, seqLen);
        if (count > 0) {
            int start = firstDilatedKey(pattern);
            SDIndex strided = SDIndex.interval((long) start, (long) pattern.dilation(), (long) seqLen);
            int dl = pattern.dilation();
            int w = pattern.local();
            scores.add(branch(ctx, q, k, strided, scale, "mask.ratplus.dilated" + key, count,
                    (t, m) -> start + m * dl < t - w));                                                   // [B, H, T, n_dil]
            values.add(v.get(SDIndex.all(), SDIndex.all(), strided, SDIndex.all()));                   // [B, H, n_dil, d]
            widths.add(count);
        }

        SDVariable p = sd.nn.softmax(scores.size() == 1 ? scores.get(0) : sd.concat(3, scores.toArray(new SDVariable[0])), 3);
        SDVariable y = null;
        long at = 0;
        for (int i = 0; i < scores.size(); i++) {
            SDVariable pi = p.get(SDIndex.all(), SDIndex.all(), SDIndex.all(), SDIndex.interval(at, at + widths.get(i)));
            SDVariable yi = i == 0
                    ? sd.reshape(sd.mmul(sd.reshape(pi, -1, (long) heads * blocks, block, 2L * block), values.get(0)),
                    -1, heads, seqLen, headDim)                                                           // [B, H, T, d]
                    : sd.mmul(pi, values.get(i));                                                         // [B, H, T, d]
            y = y == null ? yi : y.add(yi);
            at += widths.get(i);
        }
        return y;
    }

    /** Scores of all queries against a slice of the keys, {@code [B, H, T, n]}, with a mask from {@code rule}. */
    private static SDVariable branch(GraphContext ctx, SDVariable q, SDVariable k, SDIndex keys, double scale, String maskKey,
                                     int width, AttentionMask.Rule rule) {
        SameDiff sd = ctx.sd();
        SDVariable ks = k.get(SDIndex.all(), SDIndex.all(), keys, SDIndex.all());                      // [B, H, n, d]
        SDVariable mask = ctx.constant(maskKey, () -> AttentionMask.build(ctx.seqLen(), width, rule));   // [T, n]
        return sd.mmul(q, ks, false, true, false).mul(scale).add(mask);
    }
}
