package org.rat4j.eval.task;

import com.fasterxml.jackson.databind.node.ObjectNode;
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
 * lm-eval's {@code loglikelihood} output type (lambada_openai): one continuation per item. {@code acc} is the share
 * of items whose every continuation token is the model's argmax; {@code perplexity} is {@code exp(-mean ll)} over
 * items (per item, not per token, as lm-eval's aggregation). Its standard error is the delta-method one,
 * {@code ppl · stderr(ll)} (lm-eval bootstraps it; the two agree to the first digit on a thousand items or more).
 */
final class LoglikelihoodTask extends FileTask {
    static final List<String> METRICS = List.of("acc", "perplexity");

    private final Template context;
    private final Template continuation;
    private final List<String> metrics;
    private final String primary;

    LoglikelihoodTask(Common common, Template context, Template continuation, List<String> metrics, String primary) {
        super(common);
        this.context = context;
        this.continuation = continuation;
        this.metrics = metrics;
        this.primary = primary;
    }

    /** The first {@code limit} items (0: all) as {context, continuation} texts. */
    List<String[]> renderItems(int limit) {
        List<ObjectNode> records = items(limit);
        List<String[]> texts = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            texts.add(new String[]{context.render(records.get(i), where(i)), continuation.render(records.get(i), where(i))});
        }
        return texts;
    }

    @Override
    public TaskResult evaluate(Evaluator ev) {
        List<String[]> texts = renderItems(ev.settings().limit());
        boolean bos = ev.bos(common.bos());
        List<ContextContinuation> requests = new ArrayList<>();
        for (String[] t : texts) requests.add(ContextContinuation.encode(ev.tokenizer(), t[0], t[1], bos));
        LoglikelihoodScorer scorer = ev.scorer(ev.maxLength());
        List<Loglikelihood> lls;
        try (Progress p = ev.progress(name(), requests.size(), "items")) {
            lls = scorer.score(requests, p::step);
        }
        double[] greedy = new double[lls.size()];
        double[] ll = new double[lls.size()];
        List<Map<String, Object>> samples = new ArrayList<>();
        for (int i = 0; i < lls.size(); i++) {
            greedy[i] = lls.get(i).greedy() ? 1 : 0;
            ll[i] = lls.get(i).logprob();
            if (ev.settings().logSamples()) {
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("index", i);
                s.put("context", texts.get(i)[0]);
                s.put("continuation", texts.get(i)[1]);
                s.put("context_ids", requests.get(i).context());
                s.put("continuation_ids", requests.get(i).continuation());
                s.put("loglikelihood", ll[i]);
                s.put("token_logprobs", lls.get(i).tokenLogprobs());
                s.put("is_greedy", lls.get(i).greedy());
                samples.add(s);
            }
        }
        Map<String, Metric> m = new LinkedHashMap<>();
        for (String name : metrics) {
            if (name.equals("acc")) {
                MeanStat s = MeanStat.of(greedy);
                m.put("acc", Metric.proportion(s.mean(), s.stderr()));
            } else {
                m.put("perplexity", ScoringRules.perplexity(ll));
            }
        }
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("bos", bos);
        details.put("max_length", scorer.maxLength());
        details.put("throughput", ev.throughput(scorer.stats(), texts.size()));
        return new TaskResult(name(), texts.size(), m, primary, metrics.contains("acc") ? 0.0 : Double.NaN, 0,
                details, samples, List.of());
    }
}
