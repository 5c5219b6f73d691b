package org.rat4j.rat;

import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.rat4j.compat.Dl4jM21;
import org.rat4j.ops.AttentionMask;
import org.rat4j.ops.GraphContext;
import org.rat4j.ops.RotaryEmbedding;

/**
 * RAT's attention (spec §1.2 steps 6–9): token t attends the summaries {@code (K̄_c, V̄_c)} of the chunks strictly
 * before its own, plus its own running state {@code (k̃_t, ṽ_t)}, in one softmax:
 * {@code y_t = softmax([q_t·K̄_{c<c(t)}; q_t·k̃_t]/√d)·[V̄; ṽ_t]}. The summaries are the last states of each chunk.
 * InterRoPE rotates q and the summaries by chunk index; the self score carries the same rotation on both sides and
 * is therefore computed unrotated. The score matrix is {@code [T, C+1]} per head: memory O(T·C), never O(T²).
 */
public final class InterChunkAttention {
    private InterChunkAttention() {
    }

    /**
     * @param q           queries, {@code [B, H, T, d]}, not rotated
     * @param kTilde      recurrent keys, {@code [B, H, T, d]}, not rotated
     * @param vTilde      recurrent values, {@code [B, H, T, d]}
     * @param heads       H
     * @param headDim     d
     * @param chunkSize   L (T must be a multiple of L; T is {@code ctx.seqLen()})
     * @param rope        InterRoPE on (false: no positional encoding)
     * @param ropeBase    InterRoPE base
     * @param chunkOffset added to every chunk index before rotation (0 in models; invariant I8 shifts it)
     * @return {@code [B, H, T, d]}
     */
    public static SDVariable apply(GraphContext ctx, SDVariable q, SDVariable kTilde, SDVariable vTilde,
                                   int heads, int headDim, int chunkSize, boolean rope, double ropeBase, long chunkOffset) {
        SameDiff sd = ctx.sd();
        int seqLen = ctx.seqLen();
        int d = headDim;
        int chunks = seqLen / chunkSize;
        double scale = 1.0 / Math.sqrt(d);

        // Chunk summaries: the state at the last offset of each chunk. (An interval, then a reshape: M2.1's
        // backward of a point index on a rank-5 tensor fails.)
        SDVariable kBar = lastOfChunk(sd, kTilde, heads, chunks, chunkSize, d);              // [B, H, C, d]
        SDVariable vBar = lastOfChunk(sd, vTilde, heads, chunks, chunkSize, d);

        SDVariable mask = ctx.constant("mask.prevchunk.L" + chunkSize + ".T" + seqLen,
                () -> AttentionMask.build(seqLen, chunks, AttentionMask.previousChunks(chunkSize)));

        SDVariable qRot = q;                                                                      // [B, H, T, d]
        SDVariable kBarRot = kBar;                                                                // [B, H, C, d]
        if (rope) {
            String key = "interrope.L" + chunkSize + ".T" + seqLen + ".off" + chunkOffset + ".base" + ropeBase + ".d" + d;
            SDVariable cosT = ctx.constant(key + ".cosT", () -> RotaryEmbedding.tables(
                    RotaryEmbedding.positions(seqLen, chunkSize, chunkOffset), d, ropeBase)[0]);
            SDVariable sinT = ctx.constant(key + ".sinT", () -> RotaryEmbedding.tables(
                    RotaryEmbedding.positions(seqLen, chunkSize, chunkOffset), d, ropeBase)[1]);
            SDVariable cosC = ctx.constant(key + ".cosC", () -> RotaryEmbedding.tables(
                    RotaryEmbedding.positions(chunks, 1, chunkOffset), d, ropeBase)[0]);
            SDVariable sinC = ctx.constant(key + ".sinC", () -> RotaryEmbedding.tables(
                    RotaryEmbedding.positions(chunks, 1, chunkOffset), d, ropeBase)[1]);
            qRot = RotaryEmbedding.apply(sd, q, cosT, sinT, d);                           // [B, H, T, d]
            kBarRot = RotaryEmbedding.apply(sd, kBar, cosC, sinC, d);                     // [B, H, C, d]
        }
        SDVariable inter = sd.mmul(qRot, kBarRot, false, true, false).mul(scale).add(mask);   // [B, H, T, C]
        SDVariable self = q.mul(kTilde).sum(true, 3).mul(scale);                              // [B, H, T, 1]
        SDVariable p = sd.nn.softmax(sd.concat(3, inter, self), 3);                          // [B, H, T, C+1]
        SDVariable pInter = p.get(SDIndex.all(), SDIndex.all(), SDIndex.all(), SDIndex.interval(0, chunks));
        SDVariable pSelf = p.get(SDIndex.all(), SDIndex.all(), SDIndex.all(), SDIndex.interval(chunks, chunks + 1));
        return sd.mmul(pInter, vBar).add(Dl4jM21.broadcastMultiply(sd, vTilde, pSelf));                  // [B, H, T, d]
    }

    private static SDVariable lastOfChunk(SameDiff sd, SDVariable x, int heads, int chunks, int chunkSize, int d) {
        SDVariable last = sd.reshape(x, -1, heads, chunks, chunkSize, d)                          // [B, H, C, L, d]
                .get(SDIndex.all(), SDIndex.all(), SDIndex.all(), SDIndex.interval(chunkSize - 1, chunkSize), SDIndex.all());
        return sd.reshape(last, -1, heads, chunks, d);                                            // [B, H, C, d]
    }
}
