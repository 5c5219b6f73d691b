package org.rat4j.dl4j;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.rat4j.TestModels;
import org.rat4j.attention.AttentionConfig;
import org.rat4j.model.ModelConfig;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.model.TokenBatch;
import org.rat4j.rat.RatConfig;

import java.io.File;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The whole language model as one DL4J output layer: same numbers as the SameDiff model, exact gradients, DL4J zip format. */
class LanguageModelLayerTest {
    static final ModelConfig CONFIG = ModelConfig.interleaved(TestModels.VOCAB, 8, 2, 2, 8, RatConfig.of(4, 2), AttentionConfig.sliding(3));
    static final int T = 8;

    static ComputationGraph network(ModelConfig config, DataType type, IUpdater updater) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(1).dataType(type).updater(updater)
                .graphBuilder()
                .addInputs("ids")
                .setInputTypes(InputType.recurrent(1, T))
                .addLayer("lm", new LanguageModelLayer(config), "ids")
                .setOutputs("lm")
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    static INDArray[] arrays(TokenBatch batch, DataType type) {
        int b = batch.batchSize();
        INDArray in = Nd4j.create(type, b, 1, T);
        INDArray labels = Nd4j.create(type, b, 1, T);
        for (int i = 0; i < b; i++) {
            for (int t = 0; t < T; t++) {
                in.putScalar(new int[]{i, 0, t}, batch.inputs()[i][t]);
                labels.putScalar(new int[]{i, 0, t}, batch.targets()[i][t]);
            }
        }
        return new INDArray[]{in, labels};
    }

    static TokenBatch batch() {
        int[][] w = TestModels.tokens(3, T + 1, 4);
        w[0][2] = CONFIG.eosId();              // an EOS input: its target is ignored
        TokenBatch b = TokenBatch.fromWindows(w);
        b.targets()[1][5] = TokenBatch.IGNORE;  // an explicitly ignored target
        return b;
    }

    @Test
    void matchesTheSameDiffModel() {
        ComputationGraph net = network(CONFIG, DataType.DOUBLE, new NoOp());
        LanguageModelLayer layer = (LanguageModelLayer) net.getLayer("lm").conf().getLayer();
        RatLanguageModel model = layer.toModel(net.getLayer("lm").paramTable(), DataType.DOUBLE);
        TokenBatch batch = batch();
        INDArray[] a = arrays(batch, DataType.DOUBLE);

        INDArray logits = net.outputSingle(a[0]);                                         // [B, V, T]
        INDArray want = model.logits(batch.inputs()).permute(0, 2, 1);
        assertTrue(logits.sub(want).amaxNumber().doubleValue() < 1e-12);
        net.setInputs(a[0]);
        net.setLabels(a[1]);
        net.computeGradientAndScore();
        assertEquals(model.loss(batch), net.score(), 1e-12);
    }

    @Test
    void dl4jGradientCheckPasses() {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            checkGradients();
        } finally {
            Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
        }
    }

    private void checkGradients() {
        // A MultiLayerNetwork holding just the LM layer: DL4J's subset option (a sample of each tensor) exists only there.
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(1).dataType(DataType.DOUBLE).updater(new NoOp())
                .list()
                .layer(new LanguageModelLayer(CONFIG))
                .setInputType(InputType.recurrent(1, T))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        INDArray[] a = arrays(batch(), DataType.DOUBLE);
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig()
                .net(net).input(a[0]).labels(a[1])
                .epsilon(1e-6).maxRelError(1e-3).minAbsoluteError(1e-8).subset(true).maxPerParam(25)
                .print(GradientCheckUtil.PrintMode.FAILURES_ONLY)));
    }

    @Test
    void savesAndRestoresInDl4jFormat(@TempDir Path dir) throws Exception {
        ComputationGraph net = network(CONFIG, DataType.FLOAT, new org.nd4j.linalg.learning.config.Adam(1e-3));
        INDArray[] a = arrays(batch(), DataType.FLOAT);
        net.fit(new org.nd4j.linalg.dataset.MultiDataSet(a[0], a[1]));
        File zip = dir.resolve("lm.zip").toFile();
        ModelSerializer.writeModel(net, zip, true);
        ComputationGraph back = ModelSerializer.restoreComputationGraph(zip, true);
        assertEquals(net.outputSingle(a[0]), back.outputSingle(a[0]));
        assertEquals(net.getUpdater().getStateViewArray(), back.getUpdater().getStateViewArray());
    }
}
