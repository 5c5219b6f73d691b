package org.rat4j.model;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.rat4j.ops.GraphContext;
import org.rat4j.ops.LanguageModelLoss;

import java.util.*;

/**
 * The SameDiff graph of a {@link RatLanguageModel} for one sequence length T (dynamic batch). Inputs are the token
 * embeddings (looked up in Java), the target ids and the loss weights; outputs are the logits {@code [B·T, V]}, the
 * loss, and the named intermediates ("taps") that a decode prefill reads.
 */
public final class LanguageModelGraph {
    static final String INPUT = "input_embeddings";
    static final String TARGETS = "targets";
    static final String WEIGHTS = "loss_weights";
    static final String LOGITS = "logits";
    static final String LOSS = "loss";
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
        Map<String, SDVariable> vars = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : model.parameters().entrySet()) {
            vars.put(e.getKey(), sd.var(e.getKey(), e.getValue()));
        }
        this.trainable = List.copyOf(vars.keySet());

        SDVariable x = sd.placeHolder(INPUT, model.dataType(), -1, seqLen, config.dModel());        // [B, T, D]
        SDVariable logits = sd.identity(LOGITS, model.defineLogits(ctx, x, vars, dense, TAP));         // [B·T, V]

        SDVariable targets = sd.placeHolder(TARGETS, LanguageModelLoss.targetType(), -1);
        SDVariable weights = sd.placeHolder(WEIGHTS, model.dataType(), -1);
        SDVariable loss = sd.identity(LOSS, LanguageModelLoss.apply(sd, logits, targets, weights, config.vocabSize()));
        sd.setLossVariables(loss);
    }

    public int seqLen() {
        return seqLen;
    }

    /** The underlying SameDiff graph (for inspection and tests). */
    public SameDiff sameDiff() {
        return sd;
    }

    /** Logits {@code [B·T, V]} for embeddings {@code [B, T, D]}. */
    public INDArray logits(INDArray embeddings) {
        return sd.output(Map.of(INPUT, embeddings), LOGITS).get(LOGITS);
    }

    /** Logits plus the named intermediates, for a decode prefill. */
    public Map<String, INDArray> logitsAndTaps(INDArray embeddings, Collection<String> tapNames) {
        List<String> outputs = new ArrayList<>();
        outputs.add(LOGITS);
        for (String t : tapNames) outputs.add(TAP + t);
        Map<String, INDArray> raw = sd.output(Map.of(INPUT, embeddings), outputs);
        Map<String, INDArray> out = new HashMap<>();
        out.put(LOGITS, raw.get(LOGITS));
        for (String t : tapNames) out.put(t, raw.get(TAP + t));
        return out;
    }

    private Map<String, INDArray> placeholders(INDArray embeddings, TokenBatch batch) {
        Map<String, INDArray> ph = new HashMap<>();
        ph.put(INPUT, embeddings);
        ph.put(TARGETS, batch.targetIds());
        ph.put(WEIGHTS, batch.lossWeights(model.config().eosId(), model.dataType()));
        return ph;
    }

    double loss(INDArray embeddings, TokenBatch batch) {
        INDArray out = sd.output(placeholders(embeddings, batch), LOSS).get(LOSS);
        double loss = out.getDouble(0);
        out.close();
        NativeMemory.checkpoint();
        return loss;
    }

    Gradients gradients(INDArray embeddings, TokenBatch batch) {
        if (!gradientsReady) {
            // The gradient of the embedding placeholder is only produced when requested at creation time.
            sd.createGradFunction(INPUT);
            gradientsReady = true;
        }
        List<String> wanted = new ArrayList<>(trainable);
        wanted.add(INPUT);
        Map<String, INDArray> ph = placeholders(embeddings, batch);
        OutAndGrad result = sd.calculateGradientsAndOutputs(ph, List.of(LOSS), wanted);
        Map<String, INDArray> grads = new HashMap<>(result.getGradients());
        INDArray lossArr = result.getOutputs().get(LOSS);
        double loss = lossArr.getDouble(0);
        lossArr.close();

        // d(loss)/d(embeddings) scatter-added into the embedding rows that were looked up.
        INDArray inputGrad = grads.remove(INPUT);
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String name : trainable) out.put(name, grads.get(name));
        int d = model.config().dModel();
        INDArray rowsGrad = inputGrad.reshape('c', -1, d);                                   // [B·T, D]
        int[] flat = new int[batch.batchSize() * batch.seqLen()];
        for (int b = 0; b < batch.batchSize(); b++) System.arraycopy(batch.inputs()[b], 0, flat, b * batch.seqLen(), batch.seqLen());
        INDArray wteGrad = out.get(RatLanguageModel.WTE);
        Nd4j.exec(DynamicCustomOp.builder("scatter_add")
                .addInputs(wteGrad, Nd4j.createFromArray(flat), rowsGrad).addOutputs(wteGrad).build());
        inputGrad.close();
        NativeMemory.checkpoint();
        return new Gradients(loss, out);
    }
}
