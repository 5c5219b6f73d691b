package org.rat4j.ops;

import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Sliding-window attention (spec §2.3) without a {@code [T, T]} score matrix. The sequence is cut into blocks of
 * S ≥ W tokens; a query in block j can only see keys in blocks j−1 and j, so each block attends to a {@code 2S}-key
 * band: scores are {@code [B, H·n, S, 2S]} (O(T·S) memory) instead of {@code [B, H, T, T]}. The result is exactly the
 * dense masked attention: the same scores, the same masked entries, one softmax per query over its W+1 keys.
 */
public final class BandedAttention {
    private BandedAttention() {
    }

    /**
     * The block size S for a window W at length T: the smallest divisor of T that is at least W, or -1 when the band
     * would be no narrower than the sequence ({@code 2S ≥ T}) and dense attention is the cheaper form.
     */
    public static int blockSize(int seqLen, int window) {
        for (int s = Math.max(1, window); 2 * s < seqLen; s++) {
            if (seqLen % s == 0) return s;
        }
        return -1;
    }

    /**
     * @param q      {@code [B, H, T, d]} (RoPE applied)
     * @param k      {@code [B, H, T, d]} (RoPE applied)
     * @param v      {@code [B, H, T, d]}
     * @param window W: query t sees keys {@code t−W .. t}
     * @param block  S from {@link #blockSize}
     * @return {@code [B, H, T, d]}
     */
    public static SDVariable apply(GraphContext ctx, SDVariable q, SDVariable k, SDVariable v, int heads, int headDim, int window,
                                   int block) {
        SameDiff sd = ctx.sd();
        int seqLen = ctx.seqLen();
        SDVariable scores = scores(ctx, q, k, heads, headDim, window, block, 0);                 // [B, H·n, S, 2S]
        SDVariable p = sd.nn.softmax(scores, 3);
        SDVariable y = sd.mmul(p, band(sd, v, heads, seqLen / block, block, headDim, seqLen));    // [B, H·n, S, d]
        return sd.reshape(y, -1, heads, seqLen, headDim);                                         // [B, H, T, d]
    }

    /**
     * The scaled, masked scores of each block against its band, {@code [B, H·n, S, 2S]}: query t sees keys
     * {@code max(firstKey, t−W) .. t}. {@link DilatedAttention} joins them with its other branches before the softmax.
     */
    public static SDVariable scores(GraphContext ctx, SDVariable q, SDVariable k, int heads, int headDim, int window, int block,
                             int firstKey) {
        SameDiff sd = ctx.sd();
        int seqLen = ctx.seqLen();
        int blocks = seqLen / block;
        // Merging H and the block index keeps every tensor rank 4 (rank-5 slicing has no working backward in M2.1).
        SDVariable qb = sd.reshape(q, -1, (long) heads * blocks, block, headDim);                 // [B, H·n, S, d]
        SDVariable kb = band(sd, k, heads, blocks, block, headDim, seqLen);                       // [B, H·n, 2S, d]
        SDVariable mask = ctx.constant("mask.band.W" + window + ".P" + firstKey + ".S" + block + ".T" + seqLen + ".H" + heads,
                () -> mask(heads, blocks, block, window, firstKey));                              // [H·n, S, 2S]
        return sd.mmul(qb, kb, false, true, false).mul(1.0 / Math.sqrt(headDim)).add(mask);
    }

    /**
     * For each block, the previous block's rows followed by its own: {@code [B, H·n, 2S, d]}. Block 0 has no
     * predecessor; it gets a copy of itself, which the mask hides.
     */
    public static SDVariable band(SameDiff sd, SDVariable x, int heads, int blocks, int block, int headDim, int seqLen) {
        SDVariable shifted = sd.concat(2,
                x.get(SDIndex.all(), SDIndex.all(), SDIndex.interval(0, block), SDIndex.all()),
                x.get(SDIndex.all(), SDIndex.all(), SDIndex.interval(0, seqLen - block), SDIndex.all()));   // [B, H, T, d]
        SDVariable prev = sd.reshape(shifted, -1, (long) heads * blocks, block, headDim);          // [B, H·n, S, d]
        SDVariable own = sd.reshape(x, -1, (long) heads * blocks, block, headDim);                 // [B, H·n, S, d]
        return sd.concat(2, prev, own);
    }

    /**
     * Additive mask {@code [H·n, S, 2S]}: row i of block j is token jS+i; column c is key (j−1)S+c, or jS+c−S. Keys
     * below {@code firstKey} are masked too (RAT+ attends its sinks in a separate branch).
     */
    public static INDArray mask(int heads, int blocks, int block, int window, int firstKey) {
        double[] one = new double[blocks * block * 2 * block];                                   // one head: [n, S, 2S]
        int at = 0;
        for (int j = 0; j < blocks; j++) {
            for (int i = 0; i < block; i++) {
                int t = j * block + i;
                for (int c = 0; c < 2 * block; c++) {
                    int key = c < block ? (j - 1) * block + c : j * block + c - block;
                    boolean ok = (c >= block || j > 0) && key >= firstKey && key <= t && t - key <= window;
                    one[at++] = ok ? 0.0 : AttentionMask.MASKED;
                }
            }
        }
        INDArray perHead = Nd4j.createFromArray(one).reshape(1, one.length);
        return Nd4j.tile(perHead, heads, 1).reshape(heads * blocks, block, 2 * block);
    }
}
