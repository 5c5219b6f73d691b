package org.rat4j.bench;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.rat4j.block.DecodeCache;
import org.rat4j.model.ModelConfig;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.platform.Nd4jBackends;

import java.io.IOException;
import java.nio.file.Path;
import java.util.*;

/**
 * Maximum generation throughput of a whole model, as the reference's {@code model_eff.py}: decode the tokens
 * {@code prompt .. prompt+new−1} (3072 .. 4095) for a batch of sequences with cached state, input token id 1 for
 * every sequence, and report {@code B·new / time}; the batch is searched (powers of two) up to the largest that fits
 * the memory budget, stopping once the throughput no longer rises.
 *
 * <p>As in the reference, the caches are not filled by a real prefill: every layer's {@link DecodeCache} is filled
 * from random taps of the prompt length, so that no {@code [B, 3072, 3072]} attention graph is needed. The decode
 * step is the same math as {@code Decoder.step}: the token's embedding row, every layer's {@code step} (mixer, then
 * FFN), the final RMSNorm and the tied head. On a CPU the full 1024 steps of a large batch take minutes, so by
 * default each batch times {@code probeSteps} steps at the start (positions 3072..) and at the end (..4095) of the
 * window and integrates linearly between them (a step's cost is linear in its position for attention and flat for
 * RAT, RNN and SWA); {@code --model-full} decodes all 1024 steps.
 */
public final class ModelBenchmark {
    private final RatLanguageModel model;
    private final ModelConfig config;
    private final int prompt;
    private final int newTokens;

    public ModelBenchmark(ModelConfig config, long seed, int prompt, int newTokens) {
        this.config = config;
        this.model = RatLanguageModel.initialize(config, seed, DataType.FLOAT);
        this.prompt = prompt;
        this.newTokens = newTokens;
    }

    public RatLanguageModel model() {
        return model;
    }

    /** Caches of every block (mixer then FFN per layer), filled as if {@code length} tokens had been decoded. */
    List<DecodeCache> filledCaches(int batch, int length) {
        int capacity = prompt + newTokens + 64;              // headroom: warm-up steps repeat a position
        List<DecodeCache> caches = new ArrayList<>();
        Nd4j.getRandom().setSeed(7);
        INDArray tap = Nd4j.randn(DataType.FLOAT, batch, length, config.dModel()).muli(0.5);
        int[] lengths = new int[batch];
        Arrays.fill(lengths, length);
        for (RatLanguageModel.DecoderLayer l : model.layers()) {
            DecodeCache mixer = l.mixer().newCache(model.blockParams(l.mixerPrefix(), l.mixer()), batch, capacity);
            Map<String, INDArray> taps = new HashMap<>();
            for (String t : l.mixer().tapNames()) taps.put(t, tap);
            mixer.prefill(taps, lengths);
            caches.add(mixer);
            caches.add(l.ffn().newCache(model.blockParams(l.ffnPrefix(), l.ffn()), batch, capacity));
        }
        tap.close();
        return caches;
    }

    /** State elements per sequence of all caches (spec §4.1). */
    public long stateElementsPerSequence() {
        long n = 0;
        for (DecodeCache c : filledCaches(1, 1)) n += c.stateElementsPerSequence();
        return n;
    }

    /** One decode step of the whole model: logits {@code [B, V]}. */
    INDArray step(List<DecodeCache> caches, int[] tokens, int[] positions) {
        int[][] ids = {tokens};
        INDArray x = model.embed(ids).reshape('c', tokens.length, config.dModel());
        for (DecodeCache c : caches) {
            INDArray next = c.step(x, positions);
            x.close();
            x = next;
        }
        INDArray meanSq = x.mul(x).mean(true, 1);
        INDArray inv = Transforms.pow(meanSq.addi(config.normEps()), -0.5, false);
        INDArray h = x.mulColumnVector(inv).muliRowVector(model.parameters().get(RatLanguageModel.FINAL_NORM));
        INDArray head = model.headWeight();
        INDArray logits = Nd4j.gemm(h, head, false, true);
        x.close();
        h.close();
        meanSq.close();
        return logits;
    }

    /** Milliseconds of each of {@code steps} consecutive steps starting at {@code from}. */
    double[] timeSteps(int batch, int from, int steps, int warmup) {
        List<DecodeCache> caches = filledCaches(batch, from);
        Worker.cleanUp();
        int[] tokens = new int[batch];
        Arrays.fill(tokens, 1);
        int[] pos = new int[batch];
        double[] ms = new double[steps];
        // Warm-up steps at the first position (the caches accept a repeated position for timing purposes).
        for (int w = 0; w < warmup; w++) {
            Arrays.fill(pos, from);
            step(caches, tokens, pos).close();
        }
        for (int i = 0; i < steps; i++) {
            Arrays.fill(pos, Math.min(from + i, prompt + newTokens - 1));
            long s = System.nanoTime();
            INDArray logits = step(caches, tokens, pos);
            ms[i] = (System.nanoTime() - s) / 1e6;
            logits.close();
        }
        return ms;
    }

    /** {tokens/s, ms per step at the start, at the end} for one batch. */
    double[] throughput(int batch, int probeSteps, boolean full) {
        if (full) {
            double[] ms = timeSteps(batch, prompt, newTokens, 2);
            double sum = Arrays.stream(ms).sum();
            return new double[]{batch * newTokens / (sum / 1000), Stats.of(Arrays.copyOf(ms, Math.min(8, ms.length))).median(),
                    Stats.of(Arrays.copyOfRange(ms, Math.max(0, ms.length - 8), ms.length)).median()};
        }
        double first = Stats.of(timeSteps(batch, prompt, probeSteps, 2)).median();
        Worker.cleanUp();
        double last = Stats.of(timeSteps(batch, prompt + newTokens - probeSteps, probeSteps, 2)).median();
        double total = newTokens * (first + last) / 2;                      // linear between the two ends
        return new double[]{batch * newTokens / (total / 1000), first, last};
    }

    /** The search, within {@code seconds} and {@code budget} bytes. */
    public ModelResult search(String name, long budget, double seconds, int probeSteps, boolean full, int maxBatch) {
        ModelResult r = new ModelResult();
        r.config = name;
        r.description = describe(config);
        r.parameters = model.parameterCount();
        r.promptTokens = prompt;
        r.newTokens = newTokens;
        r.load1 = MachineLimits.load1();
        long perSeq = 4L * stateElementsPerSequence();
        r.stateBytesPerSequence = perSeq;
        // While filling, a [B, prompt, D] tap array exists beside the caches; a step needs a few [B, V] arrays.
        long perSeqPeak = perSeq + 4L * prompt * config.dModel() + 4L * 4 * config.vocabSize();
        long fixed = MemoryModel.BASE + 4L * model.parameterCount() + (256L << 20);
        int byMemory = (int) Math.max(0, Math.min(1 << 20, (budget - fixed) / perSeqPeak));
        r.maxBatchByMemory = byMemory;
        long deadline = System.currentTimeMillis() + (long) (seconds * 1000);
        double best = 0;
        int sinceBest = 0;
        r.searchStoppedBy = "memory";
        for (int b = 1; b <= Math.min(byMemory, maxBatch); b *= 2) {
            ModelResult.Point p = new ModelResult.Point();
            p.batch = b;
            long started = System.currentTimeMillis();
            Memory.resetPeak();
            try {
                double[] t = throughput(b, probeSteps, full);
                p.status = "ok";
                p.tokensPerSecond = t[0];
                p.msPerStepFirst = t[1];
                p.msPerStepLast = t[2];
            } catch (Throwable e) {
                p.status = Memory.isOutOfMemory(e) ? "oom" : "error";
                p.note = Memory.describe(e);
            }
            p.peakRss = Memory.peakRss();
            r.search.add(p);
            Worker.cleanUp();
            if (!"ok".equals(p.status)) {
                r.searchStoppedBy = p.status;
                break;
            }
            if (p.tokensPerSecond > best * 1.05) {
                best = p.tokensPerSecond;
                r.bestBatch = b;
                r.tokensPerSecond = p.tokensPerSecond;
                r.msPerStepFirst = p.msPerStepFirst;
                r.msPerStepLast = p.msPerStepLast;
                sinceBest = 0;
            } else if (++sinceBest >= 2) {
                r.searchStoppedBy = "throughput stopped rising";
                break;
            }
            long took = System.currentTimeMillis() - started;
            if (System.currentTimeMillis() + 2.2 * took > deadline) {       // the next batch takes about twice as long
                r.searchStoppedBy = "time budget";
                break;
            }
            if (2L * b > maxBatch) r.searchStoppedBy = "batch limit " + maxBatch;
        }
        r.status = r.tokensPerSecond == null ? (r.search.isEmpty() ? "oom-predicted" : r.search.get(r.search.size() - 1).status) : "ok";
        if (r.search.isEmpty()) r.note = "not even batch 1 fits the memory budget " + Memory.gib(budget);
        r.load1 = MachineLimits.load1();
        return r;
    }

    static String describe(ModelConfig c) {
        String mix = c.interleaved() == null ? c.mixer().toMap().toString()
                : "even " + c.interleaved().toMap() + ", odd " + c.mixer().toMap();
        return "D=" + c.dModel() + ", " + c.nLayers() + " layers, " + c.numHeads() + " heads, V=" + c.vocabSize() + ", " + mix;
    }

    /** Child-JVM entry: {@code configYaml outJson budgetBytes seconds probeSteps full maxBatch}. */
    public static void main(String[] args) throws IOException {
        Nd4jBackends.select();  // the build this CPU runs, before ND4J loads (as the parent benchmark did)
        Path cfg = Path.of(args[0]);
        ModelConfig config = ModelConfig.fromYaml(cfg);
        ModelBenchmark mb = new ModelBenchmark(config, 1005, 3072, 1024);
        ModelResult r = mb.search(cfg.getFileName().toString().replaceFirst("\\.ya?ml$", ""), Long.parseLong(args[2]),
                Double.parseDouble(args[3]), Integer.parseInt(args[4]), Boolean.parseBoolean(args[5]), Integer.parseInt(args[6]));
        Json.MAPPER.writeValue(Path.of(args[1]).toFile(), r);
        System.exit(0);
    }
}
