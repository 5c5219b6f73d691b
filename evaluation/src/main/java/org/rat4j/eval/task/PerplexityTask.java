package org.rat4j.eval.task;

import org.rat4j.config.ConfigException;
import org.rat4j.data.IntList;
import org.rat4j.data.shard.ArrayTokenSource;
import org.rat4j.data.shard.ShardIndex;
import org.rat4j.data.shard.TokenShards;
import org.rat4j.data.shard.TokenSource;
import org.rat4j.data.text.Document;
import org.rat4j.data.text.DocumentReader;
import org.rat4j.data.text.InputResolver;
import org.rat4j.data.tokenizer.Tokenizer;
import org.rat4j.eval.Evaluator;
import org.rat4j.eval.metrics.Metric;
import org.rat4j.eval.Progress;
import org.rat4j.eval.Task;
import org.rat4j.eval.TaskResult;
import org.rat4j.eval.loglik.ContextContinuation;
import org.rat4j.eval.loglik.Loglikelihood;
import org.rat4j.eval.loglik.LoglikelihoodScorer;
import org.rat4j.eval.metrics.MeanStat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Perplexity of a token stream, and the loss at each position of a window (the length-generalisation curve).
 * The stream is a token-shard directory or text (files, directories, globs, {@code builtin:valid}) encoded as the
 * training data is: each document without BOS, followed by EOS. Windows hold {@code W + 1} tokens (inputs and
 * next-token targets); targets whose input token is EOS are not counted, as in the training loss (spec §2.8).
 * <ul>
 *   <li>stride = W (default): non-overlapping windows at 0, W, 2W, ...; every target after the first token of the
 *       stream is counted once, and the mean loss at each position 0..W-1 is recorded;</li>
 *   <li>stride S &lt; W: a sliding window; after the first window each window counts only its last S targets, so
 *       each target sees at least W - S tokens of context.</li>
 * </ul>
 * Only whole windows are scored. {@code --limit} caps the number of windows.
 */
public final class PerplexityTask implements Task {
    private final String data;
    private final String textField;
    private final int window;
    private final int stride;
    private TokenSource cached;
    private String cachedTokenizer;

    /**
     * @param data   a shard directory, or text inputs for {@link InputResolver}
     * @param window W, or 0 for the model's training length
     * @param stride S, or 0 for W (non-overlapping windows)
     */
    public PerplexityTask(String data, String textField, int window, int stride) {
        if (window < 0 || stride < 0) throw new ConfigException("--ppl-window and --stride must be positive");
        if (window > 0 && stride > window) throw new ConfigException("--stride (" + stride + ") must not exceed the window (" + window + ")");
        this.data = data;
        this.textField = textField;
        this.window = window;
        this.stride = stride;
    }

    @Override
    public String name() {
        return "ppl" + (window > 0 ? "@" + window : "") + (stride > 0 && stride != window ? "/s" + stride : "");
    }

    @Override
    public void check() {
        if (!isShards()) InputResolver.resolve(List.of(data));
    }

    private boolean isShards() {
        return Files.isRegularFile(Path.of(data).resolve(ShardIndex.FILE));
    }

    @Override
    public TaskResult evaluate(Evaluator ev) {
        int w = window > 0 ? window : ev.model().config().seqLen();
        int s = stride > 0 ? Math.min(stride, w) : w;
        TokenSource tokens = tokens(ev.tokenizer(), ev.model().config().vocabSize());
        long n = tokens.size();
        long windows = n < w + 1 ? 0 : (n - w - 1) / s + 1;
        if (windows == 0) throw new ConfigException("ppl: the data has " + n + " tokens, fewer than one window of " + (w + 1));
        if (ev.settings().limit() > 0) windows = Math.min(windows, ev.settings().limit());
        int eos = tokens.eosId();

        List<ContextContinuation> requests = new ArrayList<>();
        List<int[]> inputs = new ArrayList<>();
        for (long k = 0; k < windows; k++) {
            int[] win = new int[w + 1];
            tokens.read(k * s, win, 0, w + 1);
            int scored = k == 0 ? w : s;
            requests.add(new ContextContinuation(Arrays.copyOf(win, w + 1 - scored), Arrays.copyOfRange(win, w + 1 - scored, w + 1)));
            inputs.add(win);
        }
        LoglikelihoodScorer scorer = ev.scorer(w);
        List<Loglikelihood> lls;
        try (Progress p = ev.progress(name(), requests.size(), "windows")) {
            lls = scorer.score(requests, p::step);
        }
        double[] positionSum = new double[w];
        long[] positionCount = new long[w];
        double[] windowMeans = new double[lls.size()];
        double total = 0;
        long counted = 0;
        int kept = 0;
        for (int k = 0; k < lls.size(); k++) {
            double[] lp = lls.get(k).tokenLogprobs();
            int first = w - lp.length;                  // position (input index) of the first scored target
            double sum = 0;
            int c = 0;
            for (int j = 0; j < lp.length; j++) {
                int pos = first + j;
                if (inputs.get(k)[pos] == eos) continue;
                sum -= lp[j];
                c++;
                positionSum[pos] -= lp[j];
                positionCount[pos]++;
            }
            total += sum;
            counted += c;
            if (c > 0) windowMeans[kept++] = sum / c;
        }
        if (counted == 0) throw new ConfigException("ppl: no target counted (every input token is EOS)");
        double loss = total / counted;
        MeanStat perWindow = MeanStat.of(Arrays.copyOf(windowMeans, kept));
        Map<String, Metric> m = new LinkedHashMap<>();
        m.put("perplexity", Metric.lowerBetter(Math.exp(loss), Math.exp(loss) * perWindow.stderr()));
        m.put("loss", Metric.lowerBetter(loss, perWindow.stderr()));
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("data", data);
        details.put("window", w);
        details.put("stride", s);
        details.put("trained_length", ev.model().config().seqLen());
        details.put("windows", lls.size());
        details.put("tokens_counted", counted);
        if (s == w) {
            double[] curve = new double[w];
            for (int p = 0; p < w; p++) curve[p] = positionCount[p] == 0 ? Double.NaN : positionSum[p] / positionCount[p];
            details.put("loss_by_position", curve);
            details.put("count_by_position", positionCount);
        }
        details.put("throughput", ev.throughput(scorer.stats(), lls.size()));
        String name = "ppl@" + w + (s != w ? "/s" + s : "");
        return new TaskResult(name, lls.size(), m, "perplexity", Double.NaN, 0, details, List.of(), List.of());
    }

    /** The token stream, tokenized once per tokenizer and kept for the next model. */
    private synchronized TokenSource tokens(Tokenizer tokenizer, int modelVocab) {
        if (isShards()) {
            TokenShards shards = TokenShards.open(Path.of(data), false);
            shards.requireTokenizer(tokenizer);
            shards.requireVocab(modelVocab);
            return shards;
        }
        if (cached != null && tokenizer.hash().equals(cachedTokenizer)) return cached;
        IntList ids = new IntList();
        for (Path f : InputResolver.resolve(List.of(data))) {
            for (Document d : DocumentReader.readAll(f, textField)) {
                ids.addAll(tokenizer.encode(d.text(), false));
                ids.add(tokenizer.eosId());
            }
        }
        cached = new ArrayTokenSource(ids.toArray(), tokenizer.vocabSize(), tokenizer.eosId());
        cachedTokenizer = tokenizer.hash();
        return cached;
    }
}
