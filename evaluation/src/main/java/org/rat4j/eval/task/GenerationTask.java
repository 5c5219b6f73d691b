package org.rat4j.eval.task;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.rat4j.config.ConfigException;
import org.rat4j.data.sft.MiddleTruncation;
import org.rat4j.eval.Evaluator;
import org.rat4j.eval.metrics.Metric;
import org.rat4j.eval.Progress;
import org.rat4j.eval.TaskResult;
import org.rat4j.eval.metrics.GenerationMetric;
import org.rat4j.eval.metrics.MeanStat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A generation task with the LongBench protocol as the RAT repository runs it ({@code [RAT]eval/longbench/pred.py}):
 * the prompt is the template filled with the item, tokenized (BOS by the task's setting; RAT adds none), and when it
 * has at least {@code max_len - max_gen} tokens it keeps its first {@code (max_len - max_gen - 1) / 2} and last
 * tokens, {@code max_len - max_gen - 1} in all; then greedy decoding with the layer caches, up to {@code max_gen}
 * tokens, stopping at EOS. The decoded text goes through the task's post-processing and is scored against every
 * reference with the task's metric, keeping the best (LongBench's scorer). The task score is the mean.
 */
final class GenerationTask extends FileTask {
    private final Template prompt;
    private final Template answers;
    private final Template classes;
    private final int maxGen;
    private final int maxLen;
    private final GenerationMetric metric;
    private final TextSteps postprocess;

    GenerationTask(Common common, Template prompt, Template answers, Template classes, int maxGen, int maxLen,
                   GenerationMetric metric, TextSteps postprocess) {
        super(common);
        this.prompt = prompt;
        this.answers = answers;
        this.classes = classes;
        this.maxGen = maxGen;
        this.maxLen = maxLen;
        this.metric = metric;
        this.postprocess = postprocess;
        if (maxGen < 1) throw new ConfigException("task " + common.name() + ": max_gen must be >= 1, got " + maxGen);
        if (maxLen - maxGen < 2) {
            throw new ConfigException("task " + common.name() + ": max_len (" + maxLen + ") must exceed max_gen (" + maxGen + ") by at least 2");
        }
    }

    int maxGen() {
        return maxGen;
    }

    int maxLen() {
        return maxLen;
    }

    /** The same task with other length settings ({@code --max-len}, {@code --max-gen}); 0 keeps a setting. */
    GenerationTask withLengths(int newMaxLen, int newMaxGen) {
        return new GenerationTask(common, prompt, answers, classes, newMaxGen > 0 ? newMaxGen : maxGen,
                newMaxLen > 0 ? newMaxLen : maxLen, metric, postprocess);
    }

    /** RAT's middle truncation of a prompt to fit {@code max_len - max_gen}. */
    static int[] truncate(int[] ids, int maxPrefill) {
        return MiddleTruncation.truncate(ids, maxPrefill - 1);                         // unchanged when it fits
    }

    /** One item as text: the prompt, the reference answers and the class list (empty unless the task has one). */
    record Item(String prompt, List<String> answers, List<String> classes) {
    }

    /** The first {@code limit} items (0: all) as text. */
    List<Item> renderItems(int limit) {
        List<ObjectNode> records = items(limit);
        List<Item> out = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            out.add(new Item(prompt.render(records.get(i), where(i)), answers.renderList(records.get(i), where(i)),
                    classes == null ? List.of() : classes.renderList(records.get(i), where(i))));
        }
        return out;
    }

    @Override
    public TaskResult evaluate(Evaluator ev) {
        List<Item> items = renderItems(ev.settings().limit());
        boolean bos = ev.bos(common.bos());
        List<int[]> prompts = new ArrayList<>();
        int truncated = 0;
        for (int i = 0; i < items.size(); i++) {
            int[] ids = ev.tokenizer().encode(items.get(i).prompt(), bos);
            int[] cut = truncate(ids, maxLen - maxGen);
            if (cut.length < ids.length) truncated++;
            if (cut.length == 0) throw new ConfigException(where(i) + ": the prompt is empty");
            prompts.add(cut);
        }
        List<int[]> generated;
        try (Progress p = ev.progress(name(), prompts.size(), "items")) {
            generated = ev.generate(prompts, maxGen, p);
        }
        int eos = ev.model().config().eosId();
        double[] scores = new double[items.size()];
        List<Map<String, Object>> predictions = new ArrayList<>();
        long newTokens = 0;
        for (int i = 0; i < items.size(); i++) {
            int[] gen = generated.get(i);
            newTokens += gen.length;
            int[] text = gen.length > 0 && gen[gen.length - 1] == eos ? Arrays.copyOf(gen, gen.length - 1) : gen;
            String raw = ev.tokenizer().decode(text);
            String pred = postprocess.apply(raw);
            scores[i] = metric.best(pred, items.get(i).answers(), items.get(i).classes());
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("index", i);
            p.put("pred", pred);
            p.put("raw", raw);
            p.put("answers", items.get(i).answers());
            if (classes != null) p.put("all_classes", items.get(i).classes());
            p.put("score", scores[i]);
            p.put("prompt_tokens", prompts.get(i).length);
            p.put("generated_tokens", gen.length);
            if (ev.settings().logSamples()) {
                p.put("prompt_ids", prompts.get(i));
                p.put("generated_ids", gen);
            }
            predictions.add(p);
        }
        MeanStat s = MeanStat.of(scores);
        Map<String, Metric> m = new LinkedHashMap<>();
        m.put(metric.fileName(), Metric.proportion(s.mean(), s.stderr()));
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("bos", bos);
        details.put("max_len", maxLen);
        details.put("max_gen", maxGen);
        details.put("truncated_prompts", truncated);
        details.put("generated_tokens", newTokens);
        details.put("postprocess", postprocess.names());
        return new TaskResult(name(), items.size(), m, metric.fileName(), Double.NaN, 0, details, List.of(), predictions);
    }
}
