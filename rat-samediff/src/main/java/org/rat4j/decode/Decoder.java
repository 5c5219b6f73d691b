package org.rat4j.decode;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rat4j.block.DecodeCache;
import org.rat4j.compat.NativeMemory;
import org.rat4j.config.ConfigException;
import org.rat4j.kernels.Eager;
import org.rat4j.model.LanguageModelGraph;
import org.rat4j.model.MemoryBudget;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.model.TokenBatch;

import java.util.*;

/**
 * Incremental inference for a batch of sequences: a parallel prefill of the prompts fills every layer's
 * {@link DecodeCache}, then each {@link #step} feeds one token per sequence and returns the next-token logits.
 * Prompts may differ in length: each sequence keeps its own position.
 */
public final class Decoder {
    private final RatLanguageModel model;
    private final List<DecodeCache> caches = new ArrayList<>();
    private final int capacity;
    private final int[] positions;

    /**
     * Creates the caches. Caches that would not fit in the Java heap once full are refused first, with their size
     * ({@link MemoryBudget#decodeCacheBytes}).
     *
     * @param batch    number of sequences
     * @param capacity the longest sequence (prompt + new tokens) any cache must hold
     */
    public Decoder(RatLanguageModel model, int batch, int capacity) {
        this(model, batch, capacity, DecodeCache.stateType(model.dataType(), false));
    }

    /**
     * @param stateType the number type of the caches and recurrent states: the model's, or {@code BFLOAT16} as the
     *                  papers' code keeps them even in float32 runs (half the cache memory;
     *                  {@link DecodeCache#stateType})
     */
    public Decoder(RatLanguageModel model, int batch, int capacity, DataType stateType) {
        MemoryBudget.requireHeap(String.format(Locale.ROOT, "the decode cache of %d sequence(s) of up to %,d tokens", batch, capacity),
                MemoryBudget.decodeCacheBytes(model.config(), stateType, batch, capacity),
                "generate fewer tokens (--max-new) or fewer sequences at once (--batch), or give the JVM more heap");
        this.model = model;
        this.capacity = capacity;
        this.positions = new int[batch];
        for (RatLanguageModel.DecoderLayer l : model.layers()) {
            caches.add(l.mixer().newCache(model.blockParams(l.mixerPrefix(), l.mixer()), batch, capacity, stateType));
            caches.add(l.ffn().newCache(model.blockParams(l.ffnPrefix(), l.ffn()), batch, capacity, stateType));
        }
    }

    /** The next position of each sequence (its length so far). */
    public int[] positions() {
        return positions.clone();
    }

    /** Bytes of cached keys and values held now, all layers and sequences. */
    public long allocatedBytes() {
        long n = 0;
        for (DecodeCache c : caches) n += c.allocatedBytes();
        return n;
    }

    /** Total decode state per sequence, in elements (spec §4.1). */
    public long stateElementsPerSequence() {
        long n = 0;
        for (DecodeCache c : caches) n += c.stateElementsPerSequence();
        return n;
    }

    /**
     * Runs the prompts through the parallel graph (right-padded to a multiple of every RAT chunk length) and fills
     * the caches.
     *
     * @return next-token logits after each prompt's last token, {@code [B, V]}
     */
    public INDArray prefill(int[][] prompts) {
        if (prompts.length != positions.length) {
            throw new ConfigException("prefill got " + prompts.length + " prompts for a decoder of batch " + positions.length);
        }
        int longest = 0;
        for (int[] p : prompts) {
            if (p.length == 0) throw new ConfigException("empty prompt: give at least one token (e.g. BOS)");
            longest = Math.max(longest, p.length);
        }
        if (longest > capacity) {
            throw new ConfigException("prompt of " + longest + " tokens exceeds the decoder capacity " + capacity);
        }
        int multiple = model.sequenceMultiple();
        int padded = (longest + multiple - 1) / multiple * multiple;
        int[][] ids = new int[prompts.length][padded];
        int[] lengths = new int[prompts.length];
        for (int b = 0; b < prompts.length; b++) {
            System.arraycopy(prompts[b], 0, ids[b], 0, prompts[b].length);
            lengths[b] = prompts[b].length;
        }
        TokenBatch.checkIds(ids, model.config().vocabSize(), "prompt");
        MemoryBudget.requireNative(String.format(Locale.ROOT, "the prefill of %d prompt(s) of %,d tokens", prompts.length, padded),
                MemoryBudget.forwardBytes(model.config(), model.dataType(), prompts.length, padded),
                "use shorter prompts (--max-prompt) or fewer at once (--batch)");

        List<String> tapNames = new ArrayList<>();
        List<List<String>> perCache = new ArrayList<>();
        for (RatLanguageModel.DecoderLayer l : model.layers()) {
            List<String> m = new ArrayList<>();
            for (String t : l.mixer().tapNames()) m.add(l.mixerPrefix() + t);
            perCache.add(m);
            perCache.add(List.of());
            tapNames.addAll(m);
        }
        INDArray emb = model.embed(ids);
        LanguageModelGraph graph = model.graph(padded, false);
        Map<String, INDArray> out = graph.hiddenAndTaps(emb, tapNames);
        emb.close();
        for (int i = 0; i < caches.size(); i++) {
            Map<String, INDArray> taps = new HashMap<>();
            for (String full : perCache.get(i)) taps.put(full.substring(full.lastIndexOf('.') + 1), out.get(full));
            caches.get(i).prefill(taps, lengths);
        }
        // Only each prompt's last position needs logits: [B, D] rows of the hidden states, then the head.
        INDArray hidden = out.get("hidden");                                                 // [B·T', D]
        int[] lastRows = new int[prompts.length];
        for (int b = 0; b < prompts.length; b++) {
            lastRows[b] = b * padded + lengths[b] - 1;
            positions[b] = lengths[b];
        }
        INDArray last = Eager.linear(Nd4j.pullRows(hidden, 1, lastRows), model.headWeight());   // [B, V]
        for (INDArray a : out.values()) a.close();
        return last;
    }

    /**
     * Feeds one token per sequence at its current position.
     *
     * @return next-token logits, {@code [B, V]}
     */
    public INDArray step(int[] tokens) {
        if (tokens.length != positions.length) {
            throw new ConfigException("step got " + tokens.length + " tokens for a decoder of batch " + positions.length);
        }
        for (int b = 0; b < tokens.length; b++) {
            if (positions[b] >= capacity) {
                throw new ConfigException("sequence " + b + " reached the decoder capacity of " + capacity + " tokens");
            }
        }
        INDArray x = model.embed(new int[][]{tokens}).reshape('c', tokens.length, model.config().dModel());   // [B, D]
        for (DecodeCache c : caches) x = c.step(x, positions);
        for (int b = 0; b < positions.length; b++) positions[b]++;
        NativeMemory.checkpoint();
        INDArray h = Eager.rmsNorm(x, model.parameters().get(RatLanguageModel.FINAL_NORM), model.config().normEps());
        return Eager.linear(h, model.headWeight());                                                        // [B, V]
    }
}
