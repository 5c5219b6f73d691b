package org.rat4j.dl4j;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.rat4j.attention.AttentionConfig;
import org.rat4j.rat.RatConfig;
import org.rat4j.ratplus.RatPlusConfig;
import org.rat4j.rnn.RnnConfig;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every rat4j block as a DL4J layer passes DL4J's own float64 gradient check. Without the gradient-halving fix of
 * M2.1's SameDiff bridge every parameter would be off by exactly 2x, so this also guards that fix across upgrades.
 */
class MixerLayerGradientTest {
    static final int D = 8;
    static final int HEADS = 2;
    static final int T = 8;

    static Stream<Arguments> blocks() {
        return Stream.of(
                Arguments.of("rat", MixerLayer.builder(RatConfig.of(4, 2), D, HEADS)),
                Arguments.of("attention", MixerLayer.builder(AttentionConfig.full(), D, HEADS)),
                Arguments.of("swa", MixerLayer.builder(AttentionConfig.sliding(2), D, HEADS)),
                Arguments.of("rnn", MixerLayer.builder(new RnnConfig(), D, HEADS).chronoHorizon(T)),
                Arguments.of("ratplus", MixerLayer.builder(RatPlusConfig.of(2, 1, 1), D, HEADS)),
                Arguments.of("gated_attention", MixerLayer.builder(RatPlusConfig.gatedAttention(), D, HEADS)),
                Arguments.of("ffn", MixerLayer.feedForward(D, HEADS, 2)));
    }

    @BeforeEach
    void doublePrecision() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @AfterEach
    void restorePrecision() {
        Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("blocks")
    void dl4jGradientCheckPasses(String name, MixerLayer.Builder block) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(12).dataType(DataType.DOUBLE).updater(new NoOp())
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.recurrent(D, T))
                .addLayer("block", block.build(), "in")
                .addLayer("out", new RnnOutputLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(Activation.IDENTITY).nIn(D).nOut(3).build(), "block")
                .setOutputs("out")
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        INDArray in = Nd4j.rand(DataType.DOUBLE, 2, D, T).subi(0.5);
        INDArray labels = Nd4j.rand(DataType.DOUBLE, 2, 3, T);
        boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig()
                .net(net).inputs(new INDArray[]{in}).labels(new INDArray[]{labels})
                .epsilon(1e-6).maxRelError(1e-3).minAbsoluteError(1e-8)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY));
        assertTrue(ok, name + ": DL4J gradient check failed");
    }
}
