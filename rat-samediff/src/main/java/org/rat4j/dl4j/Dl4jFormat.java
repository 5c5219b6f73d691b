package org.rat4j.dl4j;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.rat4j.config.ConfigException;
import org.rat4j.io.AtomicFiles;
import org.rat4j.model.RatLanguageModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Moves a model between its pure-SameDiff form ({@link RatLanguageModel}) and its DL4J form (a ComputationGraph with
 * input {@value #INPUT} and one {@link LanguageModelLayer} named {@value #LAYER}), and saves/loads the DL4J form in
 * DL4J's own zip format ({@link ModelSerializer}), which DL4J tools, the zoo and {@code ParallelWrapper} use.
 */
public final class Dl4jFormat {
    public static final String INPUT = "ids";
    public static final String LAYER = "lm";

    private Dl4jFormat() {
    }

    /** A graph holding the model, with {@code updater} for further training (NoOp for inference). */
    public static ComputationGraph toComputationGraph(RatLanguageModel model, IUpdater updater) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .dataType(model.dataType()).updater(updater)
                .graphBuilder()
                .addInputs(INPUT)
                .setInputTypes(InputType.recurrent(1))
                .addLayer(LAYER, new LanguageModelLayer(model.config()), INPUT)
                .setOutputs(LAYER)
                .build();
        ComputationGraph net = new ComputationGraph(conf);
        net.init();
        LanguageModelLayer.copyFrom(model, net.getLayer(LAYER).paramTable());
        return net;
    }

    /** The pure-SameDiff model held by a graph made by {@link #toComputationGraph}. */
    public static RatLanguageModel fromComputationGraph(ComputationGraph net, DataType type) {
        if (net.getLayer(LAYER) == null || !(net.getLayer(LAYER).conf().getLayer() instanceof LanguageModelLayer layer)) {
            throw new ConfigException("this ComputationGraph has no rat4j language model layer named '" + LAYER + "'");
        }
        return layer.toModel(net.getLayer(LAYER).paramTable(), type);
    }

    /** Saves the DL4J form of a model as a ModelSerializer zip, atomically. */
    public static void save(RatLanguageModel model, Path zip) throws IOException {
        ComputationGraph net = toComputationGraph(model, new NoOp());
        AtomicFiles.write(zip, out -> ModelSerializer.writeModel(net, out, false));
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
