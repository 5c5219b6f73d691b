package org.rat4j.model;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rat4j.block.BlockDims;
import org.rat4j.block.Initializer;
import org.rat4j.block.MixerBlock;
import org.rat4j.block.SequenceBlock;
import org.rat4j.compat.Dl4jM21;
import org.rat4j.config.ConfigException;
import org.rat4j.ffn.FeedForwardBlock;
import org.rat4j.ops.GraphContext;
import org.rat4j.ops.Linear;
import org.rat4j.ops.RmsNorm;

import java.util.*;

/**
 * A RAT-family language model (spec §2.6): token embedding, {@code n_layers} pre-norm blocks (a sequence mixer then
 * the GELU FFN, each with its own norm and residual), a final RMSNorm, and a head tied to the embedding.
 *
 * <pre>
 *   x = E[ids]                                        [B, T, D]
 *   for each layer i:  x = mixer_i(x);  x = ffn_i(x)  (residuals inside the blocks)
 *   logits = RMSNorm(x)·Eᵀ                            [B, T, V]
 * </pre>
 *
 * Parameters live in one map under the reference PyTorch state-dict names ({@code docs/weights.md}); the SameDiff
 * graphs built from them (one per sequence length) read the same arrays, so an in-place update is seen everywhere.
 * The embedding lookup runs in Java ({@link #embed}) because SameDiff's gather has a wrong gradient; its gradient is
 * scatter-added into the embedding's ({@link #gradients}).
 */
public final class RatLanguageModel {
    static {
        Dl4jM21.quietGradientLog();
    }

    public static final String WTE = "embedding.wte.weight";
    public static final String FINAL_NORM = "backbone.ln.weight";
    public static final String LM_HEAD = "head.lm_head.weight";

    /** Layer i of the backbone: its two residual blocks, a sequence mixer then the FFN, and their name prefixes. */
    public record DecoderLayer(int index, MixerBlock mixer, FeedForwardBlock ffn) {
        public String mixerPrefix() {
            return "backbone.layers." + index + ".seq_layer.";
        }

        public String ffnPrefix() {
            return "backbone.layers." + index + ".hidden_layer.";
        }
    }

    private final ModelConfig config;
    private final DataType dataType;
    private final List<DecoderLayer> layers;
    private final LinkedHashMap<String, INDArray> params;
    /**
     * Graphs by sequence length (and dense flag), least recently used first. Each new prompt length builds a graph;
     * without a bound a long generation or evaluation session would keep every one it ever built.
     */
    private final Map<String, LanguageModelGraph> graphs = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, LanguageModelGraph> eldest) {
            return size() > MAX_GRAPHS;
        }
    };
    /** Graphs kept at once: the training, validation and a few prefill lengths. */
    static final int MAX_GRAPHS = 8;

    private RatLanguageModel(ModelConfig config, DataType dataType, LinkedHashMap<String, INDArray> params) {
        this.config = config;
        this.dataType = dataType;
        this.params = params;
        BlockDims dims = new BlockDims(config.dModel(), config.numHeads(), config.normEps(), config.initStd());
        List<DecoderLayer> list = new ArrayList<>();
        for (int i = 0; i < config.nLayers(); i++) {
            MixerBlock mixer = config.mixerFor(i).block(dims, config.seqLen(), config.indexWithinCell(i));
            list.add(new DecoderLayer(i, mixer, new FeedForwardBlock(dims, config.ffnDim())));
        }
        this.layers = List.copyOf(list);
    }

    /** Every parameter name and shape, in state-dict order ({@code head.lm_head.weight} only when untied). */
    public static LinkedHashMap<String, long[]> parameterShapes(ModelConfig config) {
        return shapeOnly(config, DataType.FLOAT).shapes();
    }

    /** A model without parameter arrays: its blocks and {@link #defineLogits} emit graphs over variables of your own. */
    public static RatLanguageModel shapeOnly(ModelConfig config, DataType dataType) {
        return new RatLanguageModel(config, dataType, new LinkedHashMap<>());
    }

    private LinkedHashMap<String, long[]> shapes() {
        LinkedHashMap<String, long[]> m = new LinkedHashMap<>();
        m.put(WTE, new long[]{config.vocabSize(), config.dModel()});
        for (DecoderLayer l : layers) {
            l.mixer().parameterShapes().forEach((k, v) -> m.put(l.mixerPrefix() + k, v));
            l.ffn().parameterShapes().forEach((k, v) -> m.put(l.ffnPrefix() + k, v));
        }
        m.put(FINAL_NORM, new long[]{config.dModel()});
        if (!config.tieEmbedding()) m.put(LM_HEAD, new long[]{config.vocabSize(), config.dModel()});
        return m;
    }

    /**
     * A model with the reference initialisation (spec §2.7), deterministic in {@code seed}. A model larger than the
     * memory available is refused before anything is allocated ({@link MemoryBudget}).
     */
    public static RatLanguageModel initialize(ModelConfig config, long seed, DataType dataType) {
        MemoryBudget.requireNative(String.format(java.util.Locale.ROOT, "a model of %,d parameters (%s)", config.parameterCount(),
                MemoryBudget.typeName(dataType)), MemoryBudget.parameterBytes(config, dataType),
                "make the model smaller (model.vocab_size, d_model, n_layers) or free memory");
        LinkedHashMap<String, INDArray> p = new LinkedHashMap<>();
        parameterShapes(config).forEach((name, shape) -> p.put(name, Nd4j.zeros(dataType, shape)));
        RatLanguageModel model = new RatLanguageModel(config, dataType, p);
        Initializer init = new Initializer(seed);
        init.normal(WTE, p.get(WTE), config.initStd());
        for (DecoderLayer l : model.layers) {
            l.mixer().initialize(model.blockParams(l.mixerPrefix(), l.mixer()), init.scoped(l.mixerPrefix()));
            l.ffn().initialize(model.blockParams(l.ffnPrefix(), l.ffn()), init.scoped(l.ffnPrefix()));
        }
        p.get(FINAL_NORM).assign(1.0);
        if (!config.tieEmbedding()) init.normal(LM_HEAD, p.get(LM_HEAD), config.initStd());
        return model;
    }

    /**
     * A model over existing arrays (e.g. loaded weights). Every expected tensor must be present with its exact shape;
     * extra tensors are an error, except {@code head.lm_head.weight} of a tied model.
     */
    public static RatLanguageModel fromParameters(ModelConfig config, Map<String, INDArray> given, DataType dataType) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        given.forEach((name, a) -> shapes.put(name, a.shape()));
        LinkedHashMap<String, INDArray> p = new LinkedHashMap<>();
        for (String name : checkShapes(config, shapes)) {
            INDArray a = given.get(name);
            p.put(name, a.dataType() == dataType ? a : a.castTo(dataType));
        }
        return new RatLanguageModel(config, dataType, p);
    }

    /**
     * Checks tensor names and shapes against what {@code config} needs, before any tensor is read or converted: every
     * parameter present with its exact shape, nothing else except {@code head.lm_head.weight} of a tied model (a copy
     * of the embedding, then of the embedding's shape).
     *
     * @return the names of the parameters the model uses, in state-dict order
     */
    public static Set<String> checkShapes(ModelConfig config, Map<String, long[]> given) {
        LinkedHashMap<String, long[]> needed = parameterShapes(config);
        for (Map.Entry<String, long[]> e : needed.entrySet()) {
            long[] shape = given.get(e.getKey());
            if (shape == null) {
                throw new ConfigException("missing tensor '" + e.getKey() + "' (expected shape " + Arrays.toString(e.getValue())
                        + "); the weights do not match the model config");
            }
            requireShape(e.getKey(), shape, e.getValue());
        }
        for (Map.Entry<String, long[]> e : given.entrySet()) {
            if (needed.containsKey(e.getKey())) continue;
            if (!(e.getKey().equals(LM_HEAD) && config.tieEmbedding())) {
                throw new ConfigException("unexpected tensor " + ConfigException.quote(e.getKey()) + ": the model config has no such parameter");
            }
            requireShape(LM_HEAD, e.getValue(), needed.get(WTE));
        }
        return Collections.unmodifiableSet(needed.keySet());
    }

    private static void requireShape(String name, long[] shape, long[] needed) {
        if (!Arrays.equals(shape, needed)) {
            throw new ConfigException("tensor '" + name + "' has shape " + Arrays.toString(shape)
                    + " but the model config needs " + Arrays.toString(needed));
        }
    }

    public ModelConfig config() {
        return config;
    }

    public DataType dataType() {
        return dataType;
    }

    public List<DecoderLayer> layers() {
        return layers;
    }

    /** All parameters by state-dict name (live arrays: changing them changes the model). */
    public Map<String, INDArray> parameters() {
        return Collections.unmodifiableMap(params);
    }

    /** The head weight {@code [V, D]}: the embedding when tied. */
    public INDArray headWeight() {
        return config.tieEmbedding() ? params.get(WTE) : params.get(LM_HEAD);
    }

    /** The parameters of one block, keyed by their names relative to the block. */
    public Map<String, INDArray> blockParams(String prefix, SequenceBlock block) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        for (String name : block.parameterShapes().keySet()) m.put(name, params.get(prefix + name));
        return m;
    }

    public long parameterCount() {
        long n = 0;
        for (INDArray a : params.values()) n += a.length();
        return n;
    }

    // ------------------------------------------------------------------ forward

    /** Token embeddings {@code E[ids]}, {@code [B, T, D]}. */
    public INDArray embed(int[][] ids) {
        TokenBatch.checkIds(ids, config.vocabSize(), "input");
        int batch = ids.length;
        int seqLen = ids[0].length;
        int[] flat = new int[batch * seqLen];
        for (int b = 0; b < batch; b++) System.arraycopy(ids[b], 0, flat, b * seqLen, seqLen);
        return Nd4j.pullRows(params.get(WTE), 1, flat).reshape('c', batch, seqLen, config.dModel());
    }

    /** The graph for sequence length T; {@code dense} runs RAT+ layers with full causal attention (joint training). */
    public synchronized LanguageModelGraph graph(int seqLen, boolean dense) {
        return graphs.computeIfAbsent(seqLen + (dense ? "/dense" : ""), k -> new LanguageModelGraph(this, seqLen, dense));
    }

    /**
     * Emits the backbone into a graph: the blocks and the final norm.
     *
     * @param x      embeddings {@code [B, T, D]}
     * @param vars   the graph's parameter variables by state-dict name
     * @param dense  run RAT+ layers densely (joint training)
     * @return the final hidden states {@code [B·T, D]}, the input of the head
     */
    public SDVariable defineHidden(GraphContext ctx, SDVariable x, Map<String, SDVariable> vars, boolean dense,
                                   String tapPrefix) {
        SameDiff sd = ctx.sd();
        for (DecoderLayer layer : layers) {
            MixerBlock mixer = dense ? layer.mixer().dense() : layer.mixer();
            mixer.checkSequenceLength(ctx.seqLen());
            x = mixer.define(ctx, x, relative(vars, layer.mixerPrefix(), mixer), tapPrefix + layer.mixerPrefix());
            x = layer.ffn().define(ctx, x, relative(vars, layer.ffnPrefix(), layer.ffn()), tapPrefix + layer.ffnPrefix());
        }
        return sd.reshape(RmsNorm.apply(sd, x, vars.get(FINAL_NORM), config.normEps()), -1, config.dModel());   // [B·T, D]
    }

    /** {@link #defineHidden} followed by the head: logits {@code [B·T, V]}, the whole model inside one graph. */
    public SDVariable defineLogits(GraphContext ctx, SDVariable x, Map<String, SDVariable> vars, boolean dense,
                                   String tapPrefix) {
        SDVariable h = defineHidden(ctx, x, vars, dense, tapPrefix);
        return Linear.apply(ctx.sd(), h, vars.get(config.tieEmbedding() ? WTE : LM_HEAD));                          // [B·T, V]
    }

    private static Map<String, SDVariable> relative(Map<String, SDVariable> vars, String prefix, SequenceBlock block) {
        Map<String, SDVariable> m = new HashMap<>();
        for (String name : block.parameterShapes().keySet()) m.put(name, vars.get(prefix + name));
        return m;
    }

    /**
     * Logits {@code [B, T, V]} of a batch of equal-length sequences. A batch whose logits and activations would not
     * fit in memory is refused before the forward pass ({@link MemoryBudget#forwardBytes}, {@link MemoryBudget#logitsBytes}).
     */
    public INDArray logits(int[][] ids) {
        MemoryBudget.requireNative(String.format(java.util.Locale.ROOT, "the forward pass over %d × %d tokens (logits [B·T, V = %d] "
                        + "and activations)", ids.length, ids[0].length, config.vocabSize()),
                MemoryBudget.forwardBytes(config, dataType, ids.length, ids[0].length)
                        + MemoryBudget.logitsBytes(config, dataType, ids.length, ids[0].length), "give fewer or shorter sequences at once");
        INDArray emb = embed(ids);
        INDArray hidden = graph(ids[0].length, false).hidden(emb);                  // [B·T, D]
        emb.close();
        // Into a C-order array: gemm's own result is F-order, and the reshape below then copied all the logits.
        INDArray out = Nd4j.create(dataType, (long) ids.length * ids[0].length, config.vocabSize());      // [B·T, V]
        Nd4j.gemm(hidden, headWeight(), out, false, true, 1.0, 0.0);
        hidden.close();
        return out.reshape('c', ids.length, ids[0].length, config.vocabSize());
    }

    /** The mean next-token loss of spec §2.8. */
    public double loss(TokenBatch batch) {
        return loss(batch, false);
    }

    public double loss(TokenBatch batch, boolean dense) {
        batch.validate(config.vocabSize());
        INDArray emb = embed(batch.inputs());
        try {
            return graph(batch.seqLen(), dense).loss(emb, batch);
        } finally {
            emb.close();
        }
    }

    /** Loss and gradients of every parameter (arrays owned by the caller; {@link Gradients#close()} frees them). */
    public Gradients gradients(TokenBatch batch) {
        return gradients(batch, false);
    }

    public Gradients gradients(TokenBatch batch, boolean dense) {
        batch.validate(config.vocabSize());
        INDArray emb = embed(batch.inputs());
        try {
            return graph(batch.seqLen(), dense).gradients(emb, batch);
        } finally {
            emb.close();
        }
    }

    /** The length every input must be a multiple of: the lcm of all RAT chunk sizes (1 without RAT layers). */
    public int sequenceMultiple() {
        return config.sequenceMultiple();
    }
}
