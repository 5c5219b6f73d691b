package org.rat4j.eval;

import org.rat4j.config.ConfigException;
import org.rat4j.data.tokenizer.Tokenizer;
import org.rat4j.decode.Generator;
import org.rat4j.decode.SamplingConfig;
import org.rat4j.eval.loglik.ForwardStats;
import org.rat4j.eval.loglik.LoglikelihoodScorer;
import org.rat4j.model.RatLanguageModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluates tasks on one {@link RatLanguageModel}: the Java API behind {@code rat4j eval}.
 * <pre>
 *   Evaluator ev = new Evaluator(model, Tokenizers.loadDefault(), EvalSettings.defaults().withLimit(200));
 *   TaskResult piqa = ev.evaluate(TaskRegistry.builtin().task("piqa"));
 *   double acc = piqa.metrics().get("acc").value();
 * </pre>
 * Tasks reach the model through {@link #scorer} (batched log-likelihoods) and {@link #generate} (greedy decoding
 * with the layer caches).
 */
public final class Evaluator {
    private static final Logger LOG = LoggerFactory.getLogger(Evaluator.class);

    private final RatLanguageModel model;
    private final Tokenizer tokenizer;
    private final EvalSettings settings;
    private boolean warmingUp;

    /** Fails with one clear line when the tokenizer's vocabulary is not the model's. */
    public Evaluator(RatLanguageModel model, Tokenizer tokenizer, EvalSettings settings) {
        checkVocabulary(model.config().vocabSize(), tokenizer);
        this.model = model;
        this.tokenizer = tokenizer;
        this.settings = settings;
    }

    public static void checkVocabulary(int modelVocab, Tokenizer tokenizer) {
        if (modelVocab != tokenizer.vocabSize()) {
            throw new ConfigException("the model's vocab_size is " + modelVocab + " but tokenizer " + tokenizer.id() + " has "
                    + tokenizer.vocabSize() + " tokens; pass the tokenizer the model was trained with (--tokenizer FILE|gpt2)");
        }
    }

    public RatLanguageModel model() {
        return model;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public EvalSettings settings() {
        return settings;
    }

    /** Whether prompts start with BOS: the run's setting, or the task's convention when the run leaves it open. */
    public boolean bos(boolean taskDefault) {
        return settings.bos() == null ? taskDefault : settings.bos();
    }

    /** The longest log-likelihood input: the run's setting or the model's training length. */
    public int maxLength() {
        return settings.maxLength() > 0 ? settings.maxLength() : model.config().seqLen();
    }

    /** A scorer for one task (its statistics describe that task's forward passes). */
    public LoglikelihoodScorer scorer(int maxLength) {
        return new LoglikelihoodScorer(model, maxLength, settings.batch(), settings.tokenBudget());
    }

    public Progress progress(String name, long max, String unit) {
        return Progress.start(settings.progress(), name, max, unit);
    }

    /**
     * Greedy continuations of many prompts: prompts of similar length are decoded together, {@link
     * EvalSettings#genBatch()} at a time, each stopping at EOS (kept in its output) or after {@code maxNew} tokens.
     */
    public List<int[]> generate(List<int[]> prompts, int maxNew, Progress progress) {
        Integer[] order = new Integer[prompts.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        java.util.Arrays.sort(order, Comparator.comparingInt((Integer i) -> -prompts.get(i).length));
        int[][] out = new int[prompts.size()][];
        Generator generator = new Generator(model);
        for (int start = 0; start < order.length; start += settings.genBatch()) {
            int end = Math.min(order.length, start + settings.genBatch());
            List<int[]> batch = new ArrayList<>();
            for (int k = start; k < end; k++) batch.add(prompts.get(order[k]));
            List<int[]> gen = generator.generate(batch, maxNew, SamplingConfig.greedy(), true);
            for (int k = start; k < end; k++) out[order[k]] = gen.get(k - start);
            progress.step(end - start);
        }
        return java.util.Arrays.asList(out);
    }

    /**
     * Runs one task, timing it. With {@code compareForward} the task runs twice and the second run is reported: the
     * first builds the graphs of its batch shapes, so both the task's time and the plain forward's are warm.
     */
    public TaskResult evaluate(Task task) {
        if (settings.compareForward()) {
            warmingUp = true;
            try {
                task.evaluate(this);
            } finally {
                warmingUp = false;
            }
        }
        long t0 = System.nanoTime();
        TaskResult r = task.evaluate(this);
        double seconds = (System.nanoTime() - t0) / 1e9;
        LOG.info("{}: {} = {} ({} items, {} s)", r.task(), r.primary(), r.primaryMetric().displayWithError(), r.items(),
                String.format(java.util.Locale.ROOT, "%.1f", seconds));
        return r.withSeconds(seconds);
    }

    public List<TaskResult> evaluate(List<Task> tasks) {
        List<TaskResult> out = new ArrayList<>();
        for (Task t : tasks) out.add(evaluate(t));
        return out;
    }

    /**
     * The throughput numbers of a scorer's work, and, with {@code compareForward}, the model's plain forward timed on
     * exactly the same batch shapes (all warm: the task's first run built their graphs).
     */
    public Map<String, Object> throughput(ForwardStats stats, int items) {
        Map<String, Object> m = new LinkedHashMap<>(stats.toMap());
        m.put("items_per_second", stats.totalSeconds() == 0 ? 0.0 : items / stats.totalSeconds());
        if (!settings.compareForward() || warmingUp || stats.shapes().isEmpty()) return m;
        long f0 = System.nanoTime();
        for (ForwardStats.Shape s : stats.shapes()) model.logits(new int[s.rows()][s.length()]).close();
        double forward = (System.nanoTime() - f0) / 1e9;
        double forwardTps = stats.paddedTokens() / forward;
        m.put("plain_forward_seconds", forward);
        m.put("plain_forward_tokens_per_second", forwardTps);
        m.put("scoring_vs_forward_padded", stats.paddedTokens() / stats.totalSeconds() / forwardTps);
        m.put("scoring_vs_forward_real", stats.realTokens() / stats.totalSeconds() / forwardTps);
        return m;
    }
}
