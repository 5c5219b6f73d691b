package org.rat4j.eval.task;

import org.rat4j.data.niah.HaystackSentences;
import org.rat4j.data.niah.NiahGenerator;
import org.rat4j.data.niah.NiahSample;
import org.rat4j.data.niah.NiahSplit;
import org.rat4j.data.niah.NiahTask;
import org.rat4j.data.text.InputResolver;
import org.rat4j.data.tokenizer.Tokenizer;
import org.rat4j.eval.Evaluator;
import org.rat4j.eval.metrics.Metric;
import org.rat4j.eval.Progress;
import org.rat4j.eval.Task;
import org.rat4j.eval.TaskResult;
import org.rat4j.eval.metrics.MeanStat;
import org.rat4j.eval.metrics.RulerMatch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One RULER needle-in-a-haystack task at one context length, on test samples of the datasets module's generator
 * ({@link NiahGenerator}: RULER's templates, needles and depths; the essay haystack is the project's own corpus, not
 * Paul Graham's essays). The prompt (with BOS, as rat4j's SFT data has it) ends with RULER's answer prefix; the
 * model continues greedily for up to 128 tokens (RULER's {@code tokens_to_generate}) or to EOS. Scores:
 * {@code string_match_all} (RULER's NIAH metric: the share of the needles' values found in the answer),
 * {@code string_match_part} (any value found) and {@code set_match} (RAT+'s comma-split set overlap).
 */
public final class NiahEvalTask implements Task {
    /** RULER's {@code tokens_to_generate} for NIAH. */
    public static final int MAX_NEW_TOKENS = 128;
    /** Samples per task and length when {@code --limit} is not given. */
    public static final int DEFAULT_COUNT = 100;

    private final NiahTask task;
    private final int length;
    private final long seed;
    private final String haystack;
    private HaystackSentences essay;
    private String essayTokenizer;

    /**
     * @param length   context length (prompt + answer, in tokens), or 0 for the model's training length
     * @param haystack text inputs whose sentences fill essay haystacks (e.g. {@code builtin:valid})
     */
    public NiahEvalTask(NiahTask task, int length, long seed, String haystack) {
        this.task = task;
        this.length = length;
        this.seed = seed;
        this.haystack = haystack;
    }

    @Override
    public String name() {
        return task.taskName() + (length > 0 ? "@" + length : "");
    }

    @Override
    public void check() {
        if (task.haystack() == NiahTask.HaystackKind.ESSAY) InputResolver.resolve(List.of(haystack));
    }

    @Override
    public TaskResult evaluate(Evaluator ev) {
        int len = length > 0 ? length : ev.model().config().seqLen();
        int count = ev.settings().limit() > 0 ? ev.settings().limit() : DEFAULT_COUNT;
        NiahGenerator gen = new NiahGenerator(ev.tokenizer(), task.haystack() == NiahTask.HaystackKind.ESSAY ? essay(ev.tokenizer()) : null);
        boolean bos = ev.bos(true);
        List<NiahSample> samples = new ArrayList<>();
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            NiahSample s = gen.generate(task, len, NiahSplit.TEST, seed, i);
            samples.add(s);
            prompts.add(ev.tokenizer().encode(s.prompt(), bos));
        }
        List<int[]> out;
        try (Progress p = ev.progress(name(), prompts.size(), "items")) {
            out = ev.generate(prompts, MAX_NEW_TOKENS, p);
        }
        int eos = ev.model().config().eosId();
        double[] all = new double[count];
        double[] part = new double[count];
        double[] set = new double[count];
        List<Map<String, Object>> predictions = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int[] g = out.get(i);
            int[] text = g.length > 0 && g[g.length - 1] == eos ? Arrays.copyOf(g, g.length - 1) : g;
            String pred = RulerMatch.postprocess(ev.tokenizer().decode(text));
            List<String> answers = samples.get(i).answers();
            all[i] = RulerMatch.all(pred, answers);
            part[i] = RulerMatch.part(pred, answers);
            set[i] = RulerMatch.setMatch(pred, answers);
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("index", i);
            p.put("pred", pred);
            p.put("answers", answers);
            p.put("string_match_all", all[i]);
            p.put("prompt_tokens", prompts.get(i).length);
            p.put("depths", samples.get(i).depths());
            if (ev.settings().logSamples()) {
                p.put("prompt", samples.get(i).prompt());
                p.put("generated_ids", g);
            }
            predictions.add(p);
        }
        Map<String, Metric> m = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> e : Map.of("string_match_all", all, "string_match_part", part, "set_match", set).entrySet()) {
            MeanStat s = MeanStat.of(e.getValue());
            m.put(e.getKey(), Metric.proportion(s.mean(), s.stderr()));
        }
        Map<String, Metric> ordered = new LinkedHashMap<>();
        for (String k : List.of("string_match_all", "string_match_part", "set_match")) ordered.put(k, m.get(k));
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("length", len);
        details.put("haystack", task.haystack().name().toLowerCase(java.util.Locale.ROOT)
                + (task.haystack() == NiahTask.HaystackKind.ESSAY ? " (" + haystack + ")" : ""));
        details.put("seed", seed);
        details.put("split", NiahSplit.TEST.jsonName());
        details.put("bos", bos);
        return new TaskResult(task.taskName() + "@" + len, count, ordered, "string_match_all", 0.0, 0, details, List.of(), predictions);
    }

    /** The haystack prose, split into sentences once per tokenizer (the token counts depend on it). */
    private synchronized HaystackSentences essay(Tokenizer tokenizer) {
        if (essay != null && tokenizer.hash().equals(essayTokenizer)) return essay;
        essay = HaystackSentences.load(haystack, "text", tokenizer);
        essayTokenizer = tokenizer.hash();
        return essay;
    }
}
