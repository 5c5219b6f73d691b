package org.rat4j.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The head and the loss, outside the graph: {@code logits = h·Wᵀ}, the weighted cross-entropy of spec §2.8, and its
 * gradients {@code G = w·(softmax − onehot)}, {@code dh = G·W}, {@code dW = Gᵀ·h}. It runs over blocks of rows so the
 * {@code [N, V]} logits are never held at once (V = 32,000 makes them the largest tensor of a small model): per
 * block one GEMM, one in-place softmax, a few in-place edits and two more GEMMs. Letting SameDiff differentiate the
 * same loss made a dozen full passes and allocations over {@code [N, V]} and dominated the step time.
 */
final class HeadLoss {
    /** Logit elements per block (about 32 MB in float32). */
    private static final long BLOCK_ELEMENTS = 8L << 20;
    /** Keeps log() finite when a target's probability underflows. */
    private static final double MIN_PROB = 1e-30;

    /** The loss and, when asked for, the gradients of the hidden states and of the head weight. */
    record Result(double loss, INDArray hiddenGrad, INDArray headGrad) {
    }

    private HeadLoss() {
    }

    /**
     * @param hidden  {@code [N, D]}
     * @param head    {@code [V, D]}
     * @param targets N target ids (any valid id where the weight is 0)
     * @param weights N loss weights
     */
    static Result compute(INDArray hidden, INDArray head, int[] targets, double[] weights, boolean gradients) {
        int n = (int) hidden.size(0);
        int vocab = (int) head.size(0);
        int rows = (int) Math.max(1, Math.min(n, BLOCK_ELEMENTS / vocab));
        INDArray hiddenGrad = gradients ? Nd4j.create(hidden.dataType(), hidden.shape()) : null;
        INDArray headGrad = gradients ? Nd4j.zeros(head.dataType(), head.shape()) : null;
        INDArray block = Nd4j.create(hidden.dataType(), rows, vocab);
        double loss = 0;
        for (int start = 0; start < n; start += rows) {
            int len = Math.min(rows, n - start);
            INDArray h = hidden.get(NDArrayIndex.interval(start, start + len), NDArrayIndex.all());   // [r, D]
            INDArray z = len == rows ? block : block.get(NDArrayIndex.interval(0, len), NDArrayIndex.all());
            Nd4j.gemm(h, head, z, false, true, 1.0, 0.0);                                            // logits [r, V]
            Nd4j.exec(new SoftMax(z, z, 1));                                                         // probabilities
            double[] w = new double[len];
            for (int r = 0; r < len; r++) {
                w[r] = weights[start + r];
                if (w[r] == 0) continue;
                int y = targets[start + r];
                double p = z.getDouble(r, y);
                loss -= w[r] * Math.log(Math.max(p, MIN_PROB));
                if (gradients) z.putScalar(r, y, p - 1.0);                                           // softmax − onehot
            }
            if (!gradients) continue;
            z.muliColumnVector(Nd4j.createFromArray(w).castTo(z.dataType()).reshape(len, 1));        // G = w·(p − onehot)
            Nd4j.gemm(z, head, hiddenGrad.get(NDArrayIndex.interval(start, start + len), NDArrayIndex.all()),
                    false, false, 1.0, 0.0);                                                         // dh = G·W
            Nd4j.gemm(z, h, headGrad, true, false, 1.0, 1.0);                                        // dW += Gᵀ·h
        }
        block.close();
        return new Result(loss, hiddenGrad, headGrad);
    }
}
