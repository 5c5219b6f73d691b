package org.rat4j.data.iter;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rat4j.model.TokenBatch;

/**
 * A {@link TokenBatch} as ND4J arrays for DL4J/SameDiff: features = input ids {@code [B, T]}, labels = next ids
 * {@code [B, T]}, label mask {@code [B, T]} with 0 where the target does not count (its input is EOS or the target is
 * -100) and 1 elsewhere. Ignored targets hold id 0 in the labels so that every label is a valid class index.
 */
public final class TokenBatchArrays {
    private TokenBatchArrays() {
    }

    /** Input ids {@code [B, T]}. */
    public static INDArray features(TokenBatch batch, DataType type) {
        return Nd4j.createFromArray(batch.inputs()).castTo(type);
    }

    /** Target ids {@code [B, T]}, ignored ones as 0. */
    public static INDArray labels(TokenBatch batch, DataType type) {
        int[][] t = batch.targets();
        int[][] ids = new int[t.length][];
        for (int b = 0; b < t.length; b++) {
            ids[b] = t[b].clone();
            for (int i = 0; i < ids[b].length; i++) if (ids[b][i] == TokenBatch.IGNORE) ids[b][i] = 0;
        }
        return Nd4j.createFromArray(ids).castTo(type);
    }

    /** 1 where the target counts in the loss, 0 where it is ignored, {@code [B, T]} float32. */
    public static INDArray labelMask(TokenBatch batch, int eosId) {
        float[][] m = new float[batch.batchSize()][batch.seqLen()];
        for (int b = 0; b < m.length; b++) {
            for (int t = 0; t < m[b].length; t++) m[b][t] = batch.counts(b, t, eosId) ? 1f : 0f;
        }
        return Nd4j.createFromArray(m);
    }
}
