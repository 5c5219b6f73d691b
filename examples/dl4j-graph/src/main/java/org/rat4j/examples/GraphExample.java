package org.rat4j.examples;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;
import org.rat4j.dl4j.MixerLayer;
import org.rat4j.rat.RatConfig;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.SplittableRandom;

/**
 * The README's ComputationGraph, as a user writes it in their own project: an LSTM, a RAT layer (chunks of 16,
 * 2 query/key groups), rat4j's feed-forward block and DL4J's output layer. It learns a task that needs memory (the
 * running mean of one input feature), is saved with {@link ModelSerializer} and restored.
 */
public final class GraphExample {
    static final int FEATURES = 3;
    static final int WIDTH = 32;
    static final int HEADS = 2;
    /** Sequence length: a multiple of the RAT chunk size. */
    static final int LENGTH = 32;

    private GraphExample() {
    }

    public static ComputationGraph network(long seed) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed).dataType(DataType.FLOAT).updater(new Adam(1e-2))
                .graphBuilder().addInputs("in").setInputTypes(InputType.recurrent(FEATURES))
                .addLayer("lstm", new LSTM.Builder().nIn(FEATURES).nOut(WIDTH).build(), "in")
                .addLayer("rat", MixerLayer.builder(RatConfig.of(16, 2), WIDTH, HEADS).build(), "lstm")
                .addLayer("ffn", MixerLayer.feedForward(WIDTH, HEADS, 4).build(), "rat")
                .addLayer("out", new RnnOutputLayer.Builder(LossFunction.MSE).activation(Activation.IDENTITY)
                        .nIn(WIDTH).nOut(1).build(), "ffn")
                .setOutputs("out").build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    /** Inputs uniform in [-1, 1], {@code [batch, 3, T]}; target {@code [batch, 1, T]}: the mean of feature 0 up to t. */
    public static DataSet task(int batch, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        INDArray x = Nd4j.create(DataType.FLOAT, batch, FEATURES, LENGTH);
        INDArray y = Nd4j.create(DataType.FLOAT, batch, 1, LENGTH);
        for (int b = 0; b < batch; b++) {
            double sum = 0;
            for (int t = 0; t < LENGTH; t++) {
                for (int f = 0; f < FEATURES; f++) x.putScalar(new int[]{b, f, t}, random.nextDouble(-1, 1));
                sum += x.getDouble(b, 0, t);
                y.putScalar(new int[]{b, 0, t}, sum / (t + 1));
            }
        }
        return new DataSet(x, y);
    }

    /** What a run measured. */
    public record Result(double lossBefore, double lossAfter, double restoredMaxDifference) {
    }

    /** Trains for {@code steps} full-batch steps, saves to {@code file}, restores and compares the outputs. */
    public static Result run(int steps, File file) throws IOException {
        ComputationGraph net = network(42);
        DataSet data = task(16, 1);
        double before = net.score(data);
        for (int i = 0; i < steps; i++) net.fit(data);
        double after = net.score(data);
        ModelSerializer.writeModel(net, file, true);
        ComputationGraph restored = ModelSerializer.restoreComputationGraph(file, true);
        INDArray a = net.outputSingle(data.getFeatures());
        INDArray b = restored.outputSingle(data.getFeatures());
        return new Result(before, after, a.sub(b).amaxNumber().doubleValue());
    }

    public static void main(String[] args) throws IOException {
        File file = args.length > 0 ? new File(args[0]) : Files.createTempFile("rat4j-graph", ".zip").toFile();
        Result r = run(100, file);
        System.out.printf("MSE %.4f -> %.4f after 100 steps; saved to %s; restored outputs differ by %.1e%n",
                r.lossBefore(), r.lossAfter(), file, r.restoredMaxDifference());
    }
}
