package org.rat4j.model;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rat4j.compat.Dl4jM21;
import org.rat4j.compat.NativeMemory;
import org.rat4j.ops.GraphContext;

import java.util.*;

/**
 * The SameDiff graph of a {@link RatLanguageModel}'s backbone for one sequence length T (dynamic batch): token
 * embeddings {@code [B, T, D]} (looked up in Java) in, final hidden states {@code [B·T, D]} out, plus the named
 * intermediates ("taps") that a decode prefill reads. The head and loss run in Java ({@link HeadLoss}); a training
 * step runs the graph forward for the hidden states, computes the loss and {@code dL/dh}, then asks the graph for
 * the gradients of {@code Σ h ⊙ dL/dh}, whose parameter gradients are those of the loss.
 */
public final class LanguageModelGraph {
    static final String INPUT = "input_embeddings";
    static final String HIDDEN = "hidden";
    static final String HIDDEN_GRAD = "hidden_grad";
    static final String TAP = "tap.";

    private final RatLanguageModel model;
    private final SameDiff sd;
    private final int seqLen;
    private final List<String> trainable;
    private boolean gradientsReady;

    LanguageModelGraph(RatLanguageModel model, int seqLen, boolean dense) {
        this.model = model;
        this.seqLen = seqLen;
        var config = model.config();
        this.sd = SameDiff.create();
        GraphContext ctx = new GraphContext(sd, seqLen, model.dataType());
        String head = config.tieEmbedding() ? RatLanguageModel.WTE : RatLanguageModel.LM_HEAD;
        Map<String, SDVariable> vars = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : model.parameters().entrySet()) {
            if (e.getKey().equals(RatLanguageModel.WTE) || e.getKey().equals(head)) continue;     // used in Java only
            vars.put(e.getKey(), sd.var(e.getKey(), e.getValue()));
        }
        this.trainable = List.copyOf(vars.keySet());

        SDVariable x = sd.placeHolder(INPUT, model.dataType(), -1, seqLen, config.dModel());        // [B, T, D]
        SDVariable h = sd.identity(HIDDEN, model.defineHidden(ctx, x, vars, dense, TAP));            // [B·T, D]
        SDVariable dh = sd.placeHolder(HIDDEN_GRAD, model.dataType(), -1, config.dModel());
        sd.setLossVariables(h.mul(dh).sum());
    }

    public int seqLen() {
        return seqLen;
    }

    /** The underlying SameDiff graph (for inspection and tests). */
    public SameDiff sameDiff() {
        return sd;
    }

    /** Final hidden states {@code [B·T, D]} for embeddings {@code [B, T, D]}. */
    public INDArray hidden(INDArray embeddings) {
        return sd.output(Map.of(INPUT, embeddings), HIDDEN).get(HIDDEN);
    }

    /** Hidden states (under {@value #HIDDEN}) plus the named intermediates, for a decode prefill. */
    public Map<String, INDArray> hiddenAndTaps(INDArray embeddings, Collection<String> tapNames) {
        List<String> outputs = new ArrayList<>();
        outputs.add(HIDDEN);
        for (String t : tapNames) outputs.add(TAP + t);
        Map<String, INDArray> raw = sd.output(Map.of(INPUT, embeddings), outputs);
        Map<String, INDArray> out = new HashMap<>();
        out.put(HIDDEN, raw.get(HIDDEN));
        for (String t : tapNames) out.put(t, raw.get(TAP + t));
        return out;
    }

    private HeadLoss.Result head(INDArray hidden, TokenBatch batch, boolean gradients) {
        int[] targets = batch.targetIds().toIntVector();
        double[] weights = batch.lossWeights(model.config().eosId(), model.dataType()).toDoubleVector();
        return HeadLoss.compute(hidden, model.headWeight(), targets, weights, gradients);
    }

    double loss(INDArray embeddings, TokenBatch batch) {
        INDArray hidden = hidden(embeddings);
        double loss = head(hidden, batch, false).loss();
        hidden.close();
        NativeMemory.checkpoint();
        return loss;
    }

    Gradients gradients(INDArray embeddings, TokenBatch batch) {
        if (!gradientsReady) {
            // The gradient of the embedding placeholder is only produced when requested at creation time.
            sd.createGradFunction(INPUT);
            gradientsReady = true;
        }
        INDArray hidden = hidden(embeddings);
        HeadLoss.Result head = head(hidden, batch, true);
        hidden.close();

        List<String> wanted = new ArrayList<>(trainable);
        wanted.add(INPUT);
        Map<String, INDArray> grads = new HashMap<>(sd.calculateGradients(
                Map.of(INPUT, embeddings, HIDDEN_GRAD, head.hiddenGrad()), wanted));
        head.hiddenGrad().close();

        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String name : model.parameters().keySet()) out.put(name, grads.get(name));
        // The head's gradient, and d(loss)/d(embeddings) scatter-added into the rows that were looked up.
        INDArray wteGrad;
        if (model.config().tieEmbedding()) {
            wteGrad = head.headGrad();
        } else {
            out.put(RatLanguageModel.LM_HEAD, head.headGrad());
            wteGrad = Nd4j.zeros(model.dataType(), model.parameters().get(RatLanguageModel.WTE).shape());
        }
        out.put(RatLanguageModel.WTE, wteGrad);
        INDArray inputGrad = grads.get(INPUT);
        INDArray rowsGrad = inputGrad.reshape('c', -1, model.config().dModel());                 // [B·T, D]
        int[] flat = new int[batch.batchSize() * batch.seqLen()];
        for (int b = 0; b < batch.batchSize(); b++) System.arraycopy(batch.inputs()[b], 0, flat, b * batch.seqLen(), batch.seqLen());
        Dl4jM21.scatterAdd(wteGrad, flat, rowsGrad);
        inputGrad.close();
        NativeMemory.checkpoint();
        return new Gradients(head.loss(), out);
    }
}
