package org.rat4j.dl4j;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rat4j.block.BlockDims;
import org.rat4j.block.Initializer;
import org.rat4j.block.MixerConfig;
import org.rat4j.block.SequenceBlock;
import org.rat4j.compat.Dl4jM21;
import org.rat4j.config.ConfigException;
import org.rat4j.config.ConfigReader;
import org.rat4j.ffn.FeedForwardBlock;
import org.rat4j.model.Mixers;
import org.rat4j.ops.GraphContext;

import java.util.*;

/**
 * Any rat4j residual block (RAT, attention, SWA, RNN, RAT+, or the GELU FFN) as a DL4J layer, for use inside a
 * user's {@code ComputationGraph} or {@code MultiLayerNetwork}. Input and output are DL4J recurrent activations
 * {@code [B, D, T]} (NCW); the block includes its RMSNorm and residual, so output = input + block(input).
 *
 * <pre>{@code
 * .addLayer("rat", MixerLayer.builder(RatConfig.of(16, 2), 256, 4).build(), "lstm")
 * .addLayer("ffn", MixerLayer.feedForward(256, 4, 4).build(), "rat")
 * }</pre>
 *
 * The layers are causal and ignore DL4J's sequence mask: with right-padding, the real positions are unaffected by the
 * padding. RAT needs T to be a multiple of its chunk size.
 */
public class MixerLayer extends SameDiffLayer {
    static {
        Dl4jM21.quietGradientLog();
    }

    private static final String FFN = "ffn";

    private int dModel;
    private int numHeads;
    private double normEps = 1e-6;
    private double initStd = 0.02;
    private int chronoHorizon = 4096;
    private Map<String, Object> cell;

    /** For JSON deserialisation. */
    protected MixerLayer() {
    }

    protected MixerLayer(Builder b) {
        super(b);
        this.dModel = b.dModel;
        this.numHeads = b.numHeads;
        this.normEps = b.normEps;
        this.initStd = b.initStd;
        this.chronoHorizon = b.chronoHorizon;
        this.cell = b.cell;
        block();  // fail at configuration time on a bad combination
    }

    /** A mixer layer of width {@code dModel} with {@code numHeads} heads. */
    public static Builder builder(MixerConfig mixer, int dModel, int numHeads) {
        return new Builder(new LinkedHashMap<>(mixer.toMap()), dModel, numHeads);
    }

    /** The GELU FFN block of width {@code ffnMult·dModel}. */
    public static Builder feedForward(int dModel, int numHeads, int ffnMult) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", FFN);
        m.put("ffn_mult", ffnMult);
        return new Builder(m, dModel, numHeads);
    }

    private BlockDims dims() {
        return new BlockDims(dModel, numHeads, normEps, initStd);
    }

    /** The rat4j block this layer runs. */
    public SequenceBlock block() {
        if (FFN.equals(cell.get("type"))) {
            return new FeedForwardBlock(dims(), ((Number) cell.get("ffn_mult")).intValue() * dModel);
        }
        ConfigReader r = new ConfigReader("layer", cell);
        MixerConfig m = Mixers.read(r);
        r.finish();
        return m.block(dims(), chronoHorizon, 0);
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        // Every tensor is a "weight" so that DL4J's weight decay covers norms and gate biases too, as the reference does.
        block().parameterShapes().forEach((name, shape) -> params.addWeightParam(Dl4jM21.parameterKey(name), shape));
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        SequenceBlock block = block();
        Map<String, INDArray> byName = new HashMap<>();
        for (String name : block.parameterShapes().keySet()) byName.put(name, params.get(Dl4jM21.parameterKey(name)));
        // Seeded from ND4J's generator, which DL4J seeds from the network configuration's seed.
        block.initialize(byName, new Initializer(Nd4j.getRandom().nextLong()));
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, Map<String, SDVariable> params, SDVariable mask) {
        int seqLen = (int) input.getShape()[2];
        SequenceBlock block = block();
        Map<String, SDVariable> byName = new HashMap<>();
        for (String name : block.parameterShapes().keySet()) byName.put(name, params.get(Dl4jM21.parameterKey(name)));
        GraphContext ctx = new GraphContext(sd, seqLen, input.dataType(), Dl4jM21.TAPS_IN_DL4J_LAYERS);
        SDVariable x = sd.permute(input, 0, 2, 1);                                   // [B, T, D]
        SDVariable y = block.define(ctx, x, byName, "tap.");                         // [B, T, D]
        return Dl4jM21.halveLayerGradient(sd, sd.permute(y, 0, 2, 1));                   // [B, D, T]
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        checkInput(inputType);
        return inputType;
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        checkInput(inputType);
    }

    private void checkInput(InputType inputType) {
        if (!(inputType instanceof InputType.InputTypeRecurrent rec)) {
            throw new ConfigException("rat4j layer '" + getLayerName() + "' needs recurrent input [B, " + dModel
                    + ", T], got " + inputType);
        }
        if (rec.getSize() != dModel) {
            throw new ConfigException("rat4j layer '" + getLayerName() + "' has d_model " + dModel
                    + " but its input has " + rec.getSize() + " features; put a layer that outputs " + dModel + " before it");
        }
        if (rec.getTimeSeriesLength() > 0) block().checkSequenceLength((int) rec.getTimeSeriesLength());
    }

    @Override
    public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
                             INDArray paramsView, boolean initializeParams, DataType networkDataType) {
        GraphRebuildingLayer ret = new GraphRebuildingLayer(conf, networkDataType);
        ret.setIndex(layerIndex);
        ret.setParamsViewArray(paramsView);
        ret.setParamTable(initializer().init(conf, paramsView, initializeParams));
        ret.setConf(conf);
        return ret;
    }

    /** Builder with DL4J's per-layer options (updater, regularisation) plus the block's sizes. */
    public static class Builder extends SameDiffLayer.Builder<Builder> {
        private final Map<String, Object> cell;
        private final int dModel;
        private final int numHeads;
        private double normEps = 1e-6;
        private double initStd = 0.02;
        private int chronoHorizon = 4096;

        Builder(Map<String, Object> cell, int dModel, int numHeads) {
            this.cell = cell;
            this.dModel = dModel;
            this.numHeads = numHeads;
        }

        public Builder normEps(double eps) {
            this.normEps = eps;
            return this;
        }

        public Builder initStd(double std) {
            this.initStd = std;
            return this;
        }

        /** The T of the RNN's chrono gate init (the training context length). */
        public Builder chronoHorizon(int t) {
            this.chronoHorizon = t;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public MixerLayer build() {
            return new MixerLayer(this);
        }
    }

    // Getters and setters for DL4J's JSON (de)serialisation.
    public int getDModel() { return dModel; }
    public void setDModel(int v) { dModel = v; }
    public int getNumHeads() { return numHeads; }
    public void setNumHeads(int v) { numHeads = v; }
    public double getNormEps() { return normEps; }
    public void setNormEps(double v) { normEps = v; }
    public double getInitStd() { return initStd; }
    public void setInitStd(double v) { initStd = v; }
    public int getChronoHorizon() { return chronoHorizon; }
    public void setChronoHorizon(int v) { chronoHorizon = v; }
    public Map<String, Object> getCell() { return cell; }
    public void setCell(Map<String, Object> v) { cell = v; }
}
