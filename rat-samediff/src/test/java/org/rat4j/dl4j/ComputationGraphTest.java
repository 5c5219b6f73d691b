package org.rat4j.dl4j;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.rat4j.attention.AttentionConfig;
import org.rat4j.config.ConfigException;
import org.rat4j.rat.RatConfig;

import java.io.File;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** rat4j layers inside a user's ComputationGraph next to DL4J's own layers: training, variable T, JSON and zip round trips. */
class ComputationGraphTest {
    static final int IN = 3;
    static final int D = 16;

    static ComputationGraph network(long seed) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed).dataType(DataType.FLOAT).updater(new Adam(1e-2))
                .graphBuilder()
                .addInputs("in")
                .setInputTypes(InputType.recurrent(IN))
                .addLayer("lstm", new LSTM.Builder().nIn(IN).nOut(D).activation(Activation.TANH).build(), "in")
                .addLayer("rat", MixerLayer.builder(RatConfig.of(4, 2), D, 4).build(), "lstm")
                .addLayer("ffn", MixerLayer.feedForward(D, 4, 2).build(), "rat")
                .addLayer("swa", MixerLayer.builder(AttentionConfig.sliding(3), D, 4).build(), "ffn")
                .addLayer("out", new RnnOutputLayer.Builder(LossFunctions.LossFunction.MSE)
                        .activation(Activation.IDENTITY).nIn(D).nOut(1).build(), "swa")
                .setOutputs("out")
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    /** Inputs in [-1, 1] and the running mean of feature 0 as the target: needs memory of the past. */
    static MultiDataSet task(int batch, int len, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        INDArray x = Nd4j.zeros(DataType.FLOAT, batch, IN, len);
        for (int i = 0; i < x.length(); i++) x.putScalar(i, r.nextDouble(-1, 1));
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, 1, len);
        for (int b = 0; b < batch; b++) {
            double sum = 0;
            for (int t = 0; t < len; t++) {
                sum += x.getDouble(b, 0, t);
                y.putScalar(new int[]{b, 0, t}, sum / (t + 1));
            }
        }
        return new MultiDataSet(x, y);
    }

    @Test
    void fitsNextToBuiltInLayers() {
        ComputationGraph net = network(3);
        MultiDataSet data = task(16, 16, 5);
        double first = net.score(data);
        for (int i = 0; i < 60; i++) net.fit(data);
        double last = net.score(data);
        assertTrue(last < 0.3 * first, "loss " + first + " -> " + last);
        // Every rat4j layer's parameters moved (their gradients reached them).
        for (String layer : new String[]{"rat", "ffn", "swa"}) {
            assertTrue(net.getLayer(layer).params().amaxNumber().doubleValue() > 0, layer);
        }
    }

    @Test
    void acceptsAnotherSequenceLength() {
        ComputationGraph net = network(4);
        INDArray out8 = net.outputSingle(task(2, 8, 1).getFeatures(0));
        INDArray out12 = net.outputSingle(task(2, 12, 1).getFeatures(0));
        assertArrayEquals(new long[]{2, 1, 8}, out8.shape());
        assertArrayEquals(new long[]{2, 1, 12}, out12.shape());
        // Causality across a rebuild: the first 8 steps of a 12-step input equal the 8-step output.
        INDArray x12 = task(2, 12, 9).getFeatures(0);
        INDArray x8 = x12.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 8)).dup();
        INDArray a = net.outputSingle(x12).get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 8));
        INDArray b = net.outputSingle(x8);
        assertTrue(a.sub(b).amaxNumber().doubleValue() < 1e-5);
    }

    @Test
    void rejectsTimeLengthNotMultipleOfChunk() {
        ComputationGraph net = network(5);
        Exception e = assertThrows(Exception.class, () -> net.outputSingle(task(1, 6, 1).getFeatures(0)));
        Throwable root = e;
        while (!(root instanceof ConfigException) && root.getCause() != null) root = root.getCause();
        assertInstanceOf(ConfigException.class, root);
        assertTrue(root.getMessage().contains("not a multiple of the RAT chunk size L=4"), root.getMessage());
    }

    @Test
    void roundTripsThroughJsonAndModelSerializer(@TempDir Path dir) throws Exception {
        ComputationGraph net = network(6);
        net.fit(task(4, 8, 2));
        String json = net.getConfiguration().toJson();
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(json);
        assertEquals(json, back.toJson());

        File zip = dir.resolve("net.zip").toFile();
        ModelSerializer.writeModel(net, zip, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(zip, true);
        INDArray x = task(3, 8, 7).getFeatures(0);
        assertEquals(net.outputSingle(x), restored.outputSingle(x));
        assertEquals(net.params(), restored.params());
    }
}
