package org.rat4j.zoo;

import org.deeplearning4j.common.resources.DL4JResources;
import org.deeplearning4j.common.resources.ResourceType;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.deeplearning4j.zoo.ModelMetaData;
import org.deeplearning4j.zoo.PretrainedType;
import org.deeplearning4j.zoo.ZooModel;
import org.deeplearning4j.zoo.ZooType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.rat4j.config.ConfigException;
import org.rat4j.dl4j.Dl4jFormat;
import org.rat4j.model.ModelConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * A rat4j language model in DL4J's model zoo: a {@link ZooModel} whose network is {@link Dl4jFormat#graph} of a
 * {@link ModelConfig}. {@link #init()} gives the untrained {@link ComputationGraph}; {@link #initPretrained()}
 * downloads the zip at the URL given by {@link #pretrained(String, long)} into DL4J's resource directory
 * ({@code DL4JResources.getDirectory(ResourceType.ZOO_MODEL, modelName())}, by default
 * {@code ~/.deeplearning4j/models/rat4j-NAME/}), checks its Adler32 and restores it with {@link ModelSerializer}, as
 * {@code ZooModel.initPretrained} does; unlike it, a damaged download never stays in the cache ({@link ZooDownload}).
 *
 * <p>No rat4j weights are published, so no zoo model has a built-in URL: the URL and checksum come from the bundle
 * that {@code rat4j export --format zoo} writes (its model card prints the line to use). {@code file:} URLs work.
 * A language model has one set of pretrained weights, so the {@link PretrainedType} (an image-data-set enum) is
 * ignored: every type means the weights at the URL.
 *
 * <pre>{@code
 * ComputationGraph net = RatZoo.TINY_RAT.model().pretrained("https://example.org/tiny-rat.zip", 1234567890L).initPretrained();
 * }</pre>
 *
 * <p>Configuration methods change this object and return it, in the manner of DL4J's {@link #setInputShape}.
 */
public final class RatZooModel extends ZooModel<RatZooModel> {
    /** Prefixed to the name for DL4J's resource directory, apart from DL4J's own zoo models. */
    public static final String NAME_PREFIX = "rat4j-";
    /** The default initialisation seed: rat4j's training default ({@code train.seed}). */
    public static final long DEFAULT_SEED = 1005;

    private final String name;
    private ModelConfig config;
    private long seed = DEFAULT_SEED;
    private DataType dataType = DataType.FLOAT;
    private IUpdater updater = new NoOp();
    private String pretrainedUrl;
    private long pretrainedChecksum;

    private RatZooModel(String name, ModelConfig config) {
        this.name = ZooBundle.checkName(name);
        this.config = Objects.requireNonNull(config, "config");
    }

    /**
     * A zoo model of any config ({@link RatZoo#model()} for the shipped ones), e.g. a bundle's own
     * {@code config.json}: {@code RatZooModel.of("my-rat", ModelConfig.fromJson(Path.of("config.json")))}.
     */
    public static RatZooModel of(String name, ModelConfig config) {
        return new RatZooModel(name, config);
    }

    /** The seed of {@link #init()}'s weights. */
    public RatZooModel seed(long seed) {
        this.seed = seed;
        return this;
    }

    /** The data type of {@link #init()}'s network (FLOAT by default; DOUBLE for gradient checks). */
    public RatZooModel dataType(DataType dataType) {
        this.dataType = Objects.requireNonNull(dataType, "dataType");
        return this;
    }

    /**
     * The updater of {@link #init()}'s network (NoOp by default: inference). A pretrained network keeps the NoOp it
     * was exported with; give it an updater for fine-tuning with DL4J's {@code TransferLearning} (docs/models.md).
     */
    public RatZooModel updater(IUpdater updater) {
        this.updater = Objects.requireNonNull(updater, "updater");
        return this;
    }

    /**
     * Where {@link #initPretrained()} finds the weights: a {@code file:}, {@code http:} or {@code https:} URL of a
     * bundle's zip, and the Adler32 of its checksum file (0 skips the check, as in DL4J; not recommended).
     */
    public RatZooModel pretrained(String url, long adler32) {
        ZooDownload.fileName(url); // a bad URL is an error here, not at download time
        if (adler32 < 0 || adler32 > 0xFFFF_FFFFL) throw new ConfigException("an Adler32 checksum is in [0, 2^32), got " + adler32);
        this.pretrainedUrl = url;
        this.pretrainedChecksum = adler32;
        return this;
    }

    /** The name given to {@link #of} or the architecture's id. */
    public String name() {
        return name;
    }

    /** The config {@link #init()} builds. */
    public ModelConfig config() {
        return config;
    }

    @Override
    public String modelName() {
        return NAME_PREFIX + name;
    }

    /** The untrained network. */
    @Override
    @SuppressWarnings("unchecked")
    public ComputationGraph init() {
        return Dl4jFormat.graph(config, new NeuralNetConfiguration.Builder().seed(seed).dataType(dataType).updater(updater));
    }

    /** The pretrained network of {@link #pretrained(String, long)}'s URL. */
    @Override
    public ComputationGraph initPretrained() throws IOException {
        return initPretrained(PretrainedType.IMAGENET);
    }

    /**
     * The pretrained network: downloaded unless cached with the right checksum, checked, restored, and checked to be
     * this architecture (the same config apart from {@code seq_len}, which is the training length).
     *
     * @param pretrainedType ignored: a language model has one set of weights (class comment)
     */
    @Override
    @SuppressWarnings("unchecked")
    public <M extends Model> M initPretrained(PretrainedType pretrainedType) throws IOException {
        if (pretrainedUrl == null) {
            throw new ConfigException("zoo model " + name + " has no pretrained weights yet: rat4j publishes none; call "
                    + "pretrained(URL, ADLER32) with the zip and checksum of a bundle from 'rat4j export --format zoo'");
        }
        Path dir = DL4JResources.getDirectory(ResourceType.ZOO_MODEL, modelName()).toPath();
        Path file = ZooDownload.fetch(pretrainedUrl, pretrainedChecksum, dir);
        ComputationGraph net;
        try {
            net = ModelSerializer.restoreComputationGraph(file.toFile(), true); // as DL4J: updater state too, when the zip has it
        } catch (IOException | RuntimeException e) {
            throw new ConfigException(file + " (from " + pretrainedUrl + ") is not a readable DL4J model zip ("
                    + ConfigException.oneLine(String.valueOf(e.getMessage())) + ")", e);
        }
        ModelConfig got = Dl4jFormat.layer(net).modelConfig();
        if (!RatZoo.sameArchitecture(got, config)) {
            throw new ConfigException(pretrainedUrl + " holds another model than zoo model " + name + ": "
                    + differences(config, got) + "; use RatZooModel.of(name, ModelConfig.fromJson(the bundle's config.json))");
        }
        return (M) net;
    }

    /** The top-level config keys whose values differ, e.g. {@code d_model 128 here, 256 in the file}. */
    private static String differences(ModelConfig mine, ModelConfig theirs) {
        Map<String, Object> a = RatZoo.architecture(mine);
        Map<String, Object> b = RatZoo.architecture(theirs);
        StringBuilder sb = new StringBuilder();
        for (String key : new TreeSet<>(a.keySet())) {
            if (Objects.equals(a.get(key), b.get(key))) continue;
            if (!sb.isEmpty()) sb.append(", ");
            sb.append(key).append(' ').append(a.get(key)).append(" here, ").append(b.get(key)).append(" in the file");
        }
        return sb.toString();
    }

    /** DL4J's metadata: one input of token ids, {@code [1, seq_len]} per example, one output (the logits). */
    @Override
    @SuppressWarnings("deprecation")
    public ModelMetaData metaData() {
        return new ModelMetaData(new int[][]{{1, config.seqLen()}}, 1, ZooType.RNN);
    }

    /**
     * Sets the training length: {@code {{1, T}}} makes {@code seq_len} T (the horizon of the RNN gate
     * initialisation). The network itself takes any length that is a multiple of the model's sequence multiple.
     */
    @Override
    public void setInputShape(int[][] inputShape) {
        if (inputShape == null || inputShape.length != 1 || inputShape[0].length != 2 || inputShape[0][0] != 1 || inputShape[0][1] < 1) {
            throw new ConfigException("a rat4j language model has one input of token ids shaped {{1, T}} (T >= 1)");
        }
        Map<String, Object> tree = config.toMap();
        tree.put(RatZoo.SEQ_LEN, inputShape[0][1]);
        config = ModelConfig.fromTree(Map.of("model", tree), "the input shape of zoo model " + name);
    }

    @Override
    public Class<? extends Model> modelType() {
        return ComputationGraph.class;
    }

    /** The URL of {@link #pretrained}, for every type (class comment); null when none was given. */
    @Override
    public String pretrainedUrl(PretrainedType pretrainedType) {
        return pretrainedUrl;
    }

    /** The Adler32 of {@link #pretrained}; 0 when none was given. */
    @Override
    public long pretrainedChecksum(PretrainedType pretrainedType) {
        return pretrainedChecksum;
    }

    @Override
    public String toString() {
        return "RatZooModel[" + name + ": " + config.describeMixers() + ", " + config.parameterCount() + " parameters"
                + (pretrainedUrl == null ? "" : ", pretrained " + pretrainedUrl) + "]";
    }
}
