package org.rat4j.dl4j;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffOutputLayer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rat4j.compat.Dl4jM21;
import org.rat4j.config.ConfigException;
import org.rat4j.config.ConfigReader;
import org.rat4j.model.ModelConfig;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.model.TokenBatch;
import org.rat4j.ops.GraphContext;
import org.rat4j.ops.LanguageModelLoss;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A whole rat4j language model as one DL4J output layer, so that DL4J's machinery ({@code ComputationGraph.fit},
 * {@code ModelSerializer}, {@code ParallelWrapper}, Spark, early stopping, listeners) can train it.
 *
 * <ul>
 *   <li>input: token ids as floats, {@code [B, 1, T]} (DL4J recurrent layout, one feature);</li>
 *   <li>labels: next-token ids, {@code [B, 1, T]}, with {@value TokenBatch#IGNORE} for ignored targets; targets whose
 *       input is EOS are ignored as well (spec §2.8);</li>
 *   <li>output activations: logits {@code [B, V, T]}; the score is the mean loss over the counted targets.</li>
 * </ul>
 *
 * The embedding is a one-hot product {@code onehot(ids)·E}, the only SameDiff lookup with a correct gradient in M2.1,
 * which keeps the head tied to the embedding exactly as in the reference. Parameters are the model's state-dict
 * tensors under {@link Dl4jM21#parameterKey} keys; {@link #copyFrom}/{@link #toModel} move weights between the two forms.
 */
public class LanguageModelLayer extends SameDiffOutputLayer {
    static {
        Dl4jM21.quietGradientLog();
    }

    private static final String LOGITS = "lm_logits";

    private Map<String, Object> model;

    /** For JSON deserialisation. */
    protected LanguageModelLayer() {
    }

    /** The layer for a model config; updater and regularisation come from the network's global configuration. */
    public LanguageModelLayer(ModelConfig config) {
        this.model = new LinkedHashMap<>(config.toMap());
        setLayerName("rat4j_lm");
    }

    /** The model config this layer was built from. */
    public ModelConfig modelConfig() {
        ConfigReader r = new ConfigReader("model", model);
        ModelConfig c = ModelConfig.read(r);
        r.finish();
        return c;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        RatLanguageModel.parameterShapes(modelConfig()).forEach((n, s) -> params.addWeightParam(Dl4jM21.parameterKey(n), s));
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        DataType type = params.values().iterator().next().dataType();
        RatLanguageModel fresh = RatLanguageModel.initialize(modelConfig(), Nd4j.getRandom().nextLong(), type);
        fresh.parameters().forEach((n, a) -> params.get(Dl4jM21.parameterKey(n)).assign(a));
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, SDVariable labels, Map<String, SDVariable> params) {
        ModelConfig config = modelConfig();
        int seqLen = (int) input.getShape()[2];
        int vocab = config.vocabSize();
        DataType type = input.dataType();
        Map<String, SDVariable> vars = new HashMap<>();
        for (String name : RatLanguageModel.parameterShapes(config).keySet()) vars.put(name, params.get(Dl4jM21.parameterKey(name)));
        // A shape-only model: its blocks emit the graph, reading the layer's own variables.
        RatLanguageModel shape = RatLanguageModel.shapeOnly(config, type);

        SDVariable ids = sd.castTo(sd.reshape(input, -1), DataType.INT);                               // [B·T]
        SDVariable x = sd.mmul(sd.oneHot(ids, vocab, -1, 1.0, 0.0, type), vars.get(RatLanguageModel.WTE)); // [B·T, D]
        GraphContext ctx = new GraphContext(sd, seqLen, type, Dl4jM21.TAPS_IN_DL4J_LAYERS);
        SDVariable logits = shape.defineLogits(ctx, sd.reshape(x, -1, seqLen, config.dModel()), vars, false, "tap.");
        sd.permute(LOGITS, sd.reshape(logits, -1, seqLen, vocab), 0, 2, 1);                           // [B, V, T]

        SDVariable target = sd.reshape(labels, -1);                                                    // [B·T]
        SDVariable counted = sd.neq(target, (double) TokenBatch.IGNORE).castTo(type)
                .mul(sd.neq(sd.reshape(input, -1), (double) config.eosId()).castTo(type));
        SDVariable safeTarget = sd.castTo(target.mul(counted), DataType.INT);                         // ignored → 0
        SDVariable count = sd.math.max(counted.sum(), sd.constant(Nd4j.scalar(type, 1.0)));
        SDVariable mean = LanguageModelLoss.apply(sd, logits, safeTarget, counted.div(count), vocab);
        // DL4J divides an output layer's score and gradients by the minibatch size: report batch × mean.
        SDVariable batch = sd.castTo(sd.sizeAt(input, 0), type);
        // DL4J asks for d(loss)/d(input) even though ids have none; a zero-weighted term makes it an array of zeros.
        SDVariable loss = mean.mul(batch).add(input.sum().mul(0.0));
        sd.setLossVariables(loss);                 // the logits are a second leaf, so name the loss explicitly
        return loss;
    }

    @Override
    public String activationsVertexName() {
        return LOGITS;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        if (!(inputType instanceof InputType.InputTypeRecurrent rec) || rec.getSize() != 1) {
            throw new ConfigException("the rat4j language model layer takes token ids as recurrent input [B, 1, T], got " + inputType);
        }
        return InputType.recurrent(modelConfig().vocabSize(), rec.getTimeSeriesLength());
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        getOutputType(-1, inputType);
    }

    /** Copies a pure-SameDiff model's weights into this layer's parameters (same config). */
    public static void copyFrom(RatLanguageModel source, Map<String, INDArray> layerParams) {
        source.parameters().forEach((n, a) -> layerParams.get(Dl4jM21.parameterKey(n)).assign(a));
    }

    /** A pure-SameDiff model holding a copy of this layer's parameters. */
    public RatLanguageModel toModel(Map<String, INDArray> layerParams, DataType type) {
        ModelConfig config = modelConfig();
        Map<String, INDArray> byName = new LinkedHashMap<>();
        for (String n : RatLanguageModel.parameterShapes(config).keySet()) byName.put(n, layerParams.get(Dl4jM21.parameterKey(n)).dup());
        return RatLanguageModel.fromParameters(config, byName, type);
    }

    public Map<String, Object> getModel() { return model; }
    public void setModel(Map<String, Object> m) { model = m; }
}
