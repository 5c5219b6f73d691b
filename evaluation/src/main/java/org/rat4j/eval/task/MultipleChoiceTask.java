package org.rat4j.eval.task;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.rat4j.config.ConfigException;
import org.rat4j.eval.Evaluator;
import org.rat4j.eval.metrics.Metric;
import org.rat4j.eval.Progress;
import org.rat4j.eval.TaskResult;
import org.rat4j.eval.loglik.ContextContinuation;
import org.rat4j.eval.loglik.Loglikelihood;
import org.rat4j.eval.loglik.LoglikelihoodScorer;
import org.rat4j.eval.metrics.MeanStat;
import org.rat4j.eval.metrics.ScoringRules;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * lm-eval's {@code multiple_choice} output type. Each choice is scored as the log-likelihood of
 * {@code target_delimiter + choice} after the context; {@code acc} takes the most likely choice and {@code acc_norm}
 * the most likely per character of the choice (lm-eval's length normalisation, the delimiter not counted).
 * With several contexts and one choice template the task is a "partial evaluation" (winogrande): the contexts differ,
 * the shared continuation is scored after each, and {@code acc} takes the context under which it is most likely.
 */
final class MultipleChoiceTask extends FileTask {
    /** The metrics this type can report. */
    static final List<String> METRICS = List.of("acc", "acc_norm");

    private final List<Template> contexts;
    private final List<Template> choices;
    private final String delimiter;
    private final Gold gold;
    private final List<String> metrics;
    private final String primary;

    MultipleChoiceTask(Common common, List<Template> contexts, List<Template> choices, String delimiter, Gold gold,
                       List<String> metrics, String primary) {
        super(common);
        this.contexts = contexts;
        this.choices = choices;
        this.delimiter = delimiter;
        this.gold = gold;
        this.metrics = metrics;
        this.primary = primary;
        if (contexts.size() > 1 && (choices.size() != 1 || choices.get(0).isList())) {
            throw new ConfigException("task " + common.name() + ": several contexts need one shared choice template (partial evaluation)");
        }
    }

    /** One item: its contexts and continuations, pairwise (one of the two lists repeats for partial evaluation). */
    record Item(List<String> contexts, List<String> choices, int gold) {
        int size() {
            return Math.max(contexts.size(), choices.size());
        }

        String context(int i) {
            return contexts.get(contexts.size() == 1 ? 0 : i);
        }

        String choice(int i) {
            return choices.get(choices.size() == 1 ? 0 : i);
        }
    }

    /** The first {@code limit} items (0: all) as the model sees them. */
    List<Item> renderItems(int limit) {
        List<ObjectNode> records = items(limit);
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) items.add(item(records.get(i), where(i)));
        return items;
    }

    @Override
    public TaskResult evaluate(Evaluator ev) {
        List<Item> items = renderItems(ev.settings().limit());
        boolean bos = ev.bos(common.bos());
        List<ContextContinuation> requests = new ArrayList<>();
        for (Item it : items) {
            for (int c = 0; c < it.size(); c++) {
                requests.add(ContextContinuation.encode(ev.tokenizer(), it.context(c), delimiter + it.choice(c), bos));
            }
        }
        LoglikelihoodScorer scorer = ev.scorer(ev.maxLength());
        List<Loglikelihood> lls;
        try (Progress p = ev.progress(name(), requests.size(), "choices")) {
            lls = scorer.score(requests, p::step);
        }

        double[] acc = new double[items.size()];
        double[] accNorm = new double[items.size()];
        double chance = 0;
        List<Map<String, Object>> samples = new ArrayList<>();
        int k = 0;
        for (int i = 0; i < items.size(); i++) {
            Item it = items.get(i);
            double[] ll = new double[it.size()];
            int[] chars = new int[it.size()];
            for (int c = 0; c < it.size(); c++) {
                ll[c] = lls.get(k + c).logprob();
                chars[c] = it.choice(c).codePointCount(0, it.choice(c).length());
            }
            acc[i] = ScoringRules.argmax(ll) == it.gold() ? 1 : 0;
            accNorm[i] = ScoringRules.argmaxNormalized(ll, chars) == it.gold() ? 1 : 0;
            chance += 1.0 / it.size();
            if (ev.settings().logSamples()) samples.add(sample(i, it, requests.subList(k, k + it.size()), lls.subList(k, k + it.size()), acc[i], accNorm[i]));
            k += it.size();
        }
        Map<String, Metric> m = new LinkedHashMap<>();
        for (String name : metrics) {
            MeanStat s = MeanStat.of(name.equals("acc") ? acc : accNorm);
            m.put(name, Metric.proportion(s.mean(), s.stderr()));
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("bos", bos);
        details.put("max_length", scorer.maxLength());
        details.put("throughput", ev.throughput(scorer.stats(), items.size()));
        return new TaskResult(name(), items.size(), m, primary, items.isEmpty() ? Double.NaN : chance / items.size(),
                0, details, samples, List.of());
    }

    private Item item(ObjectNode r, String where) {
        List<String> ctx = new ArrayList<>();
        for (Template t : contexts) ctx.add(t.render(r, where));
        List<String> ch = new ArrayList<>();
        for (Template t : choices) ch.addAll(t.renderList(r, where));
        int n = Math.max(ctx.size(), ch.size());
        if (n < 2) throw new ConfigException(where + ": fewer than two choices");
        int g = gold.index(r, n, where);
        return new Item(ctx, ch, g);
    }

    private Map<String, Object> sample(int index, Item it, List<ContextContinuation> enc, List<Loglikelihood> lls,
                                       double acc, double accNorm) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("index", index);
        m.put("gold", it.gold());
        List<Map<String, Object>> options = new ArrayList<>();
        for (int c = 0; c < it.size(); c++) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("context", it.context(c));
            o.put("continuation", delimiter + it.choice(c));
            o.put("context_ids", enc.get(c).context());
            o.put("continuation_ids", enc.get(c).continuation());
            o.put("loglikelihood", lls.get(c).logprob());
            o.put("token_logprobs", lls.get(c).tokenLogprobs());
            o.put("is_greedy", lls.get(c).greedy());
            options.add(o);
        }
        m.put("choices", options);
        double[] ll = lls.stream().mapToDouble(Loglikelihood::logprob).toArray();
        m.put("prediction", ScoringRules.argmax(ll));
        m.put("acc", acc);
        m.put("acc_norm", accNorm);
        return m;
    }
}
