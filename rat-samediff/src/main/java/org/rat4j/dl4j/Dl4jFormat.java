package org.rat4j.dl4j;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.rat4j.config.ConfigException;
import org.rat4j.io.AtomicFiles;
import org.rat4j.model.ModelConfig;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.model.TokenBatch;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The DL4J form of a model: a ComputationGraph with input {@value #INPUT} (token ids {@code [B, 1, T]}) and one
 * {@link LanguageModelLayer} named {@value #LAYER}. Every DL4J path builds it here ({@link #graph}): the format,
 * {@code ParallelWrapper}, Spark and the zoo. This class also moves weights between it and the pure-SameDiff form
 * ({@link RatLanguageModel}), turns a {@link TokenBatch} into its {@link DataSet}, and saves/loads it in DL4J's own
 * zip format ({@link ModelSerializer}).
 */
public final class Dl4jFormat {
    public static final String INPUT = "ids";
    public static final String LAYER = "lm";

    private Dl4jFormat() {
    }

    /**
     * The DL4J form of a model config, freshly initialised.
     *
     * @param global the network-wide settings (seed, data type, updater, regularisation, gradient normalisation)
     */
    public static ComputationGraph graph(ModelConfig config, NeuralNetConfiguration.Builder global) {
        ComputationGraphConfiguration conf = global.graphBuilder()
                .addInputs(INPUT)
                .setInputTypes(InputType.recurrent(1))
                .addLayer(LAYER, new LanguageModelLayer(config), INPUT)
                .setOutputs(LAYER)
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        return net;
    }

    /** A graph holding the model's weights, with {@code updater} for further training (NoOp for inference). */
    public static ComputationGraph toComputationGraph(RatLanguageModel model, IUpdater updater) {
        ComputationGraph net = graph(model.config(), new NeuralNetConfiguration.Builder().dataType(model.dataType()).updater(updater));
        LanguageModelLayer.copyFrom(model, layerParams(net));
        return net;
    }

    /** The pure-SameDiff model held by a graph made by {@link #graph}: a copy of its weights. */
    public static RatLanguageModel fromComputationGraph(ComputationGraph net, DataType type) {
        return layer(net).toModel(layerParams(net), type);
    }

    /** The language model layer of a graph made by {@link #graph}. */
    public static LanguageModelLayer layer(ComputationGraph net) {
        if (net.getLayer(LAYER) == null || !(net.getLayer(LAYER).conf().getLayer() instanceof LanguageModelLayer layer)) {
            throw new ConfigException("this ComputationGraph has no rat4j language model layer named '" + LAYER + "'");
        }
        return layer;
    }

    /** The live parameters of that layer, by DL4J key. */
    public static Map<String, INDArray> layerParams(ComputationGraph net) {
        layer(net);
        return net.getLayer(LAYER).paramTable();
    }

    /**
     * A batch in the DL4J form's layout: features = input ids {@code [B, 1, T]}, labels = target ids {@code [B, 1, T]}
     * with {@link TokenBatch#IGNORE} wherever a target does not count ({@link TokenBatch#counts}: the one rule).
     */
    public static DataSet dataSet(TokenBatch batch, int eosId, DataType type) {
        int n = batch.batchSize();
        int t = batch.seqLen();
        float[] in = new float[n * t];
        float[] out = new float[n * t];
        for (int b = 0; b < n; b++) {
            for (int i = 0; i < t; i++) {
                in[b * t + i] = batch.inputs()[b][i];
                out[b * t + i] = batch.counts(b, i, eosId) ? batch.targets()[b][i] : TokenBatch.IGNORE;
            }
        }
        return new DataSet(Nd4j.create(in, new long[]{n, 1, t}, 'c').castTo(type), Nd4j.create(out, new long[]{n, 1, t}, 'c').castTo(type));
    }

    /** Saves the DL4J form of a model as a ModelSerializer zip, atomically. */
    public static void save(RatLanguageModel model, Path zip) throws IOException {
        ComputationGraph net = toComputationGraph(model, new NoOp());
        AtomicFiles.write(zip, out -> {
            // ModelSerializer's zip stream writes the file in 512-byte pieces; a buffer took a 448 MB model's
            // write from 69 s to 54 s (most of the rest is DL4J writing one float at a time, docs/models.md).
            BufferedOutputStream buffered = new BufferedOutputStream(out, 1 << 20);
            ModelSerializer.writeModel(net, buffered, false);
            buffered.flush();
        });
    }

    /** Loads a zip written by {@link #save} (or by ModelSerializer from a graph of {@link #toComputationGraph}). */
    public static RatLanguageModel load(Path zip, DataType type) throws IOException {
        if (!Files.isRegularFile(zip)) throw new ConfigException("DL4J model file not found: " + zip);
        ComputationGraph net;
        try {
            net = ModelSerializer.restoreComputationGraph(zip.toFile(), false);
        } catch (IOException | RuntimeException e) {
            throw new ConfigException(zip + " is not a readable DL4J model zip (" + e.getMessage() + ")", e);
        }
        return fromComputationGraph(net, type);
    }
}
