package org.rat4j.eval.loglik;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.rat4j.config.ConfigException;
import org.rat4j.model.RatLanguageModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores many (context, continuation) requests with as few forward passes as possible, as lm-eval's
 * {@code _loglikelihood_tokens} does:
 * <ul>
 *   <li>each request's model input is {@code (context + continuation)[-(maxLength+1):][:-1]} (left-truncated to the
 *       model length) and its continuation is scored at the input's last {@code |continuation|} positions. A
 *       continuation longer than {@code maxLength}, where lm-eval stops with an assertion, keeps its whole length and
 *       its last context token instead (counted in the statistics as {@code over_length});</li>
 *   <li>requests with identical inputs share one row (e.g. one-token answers after one context: the row's last
 *       position scores them all);</li>
 *   <li>rows are sorted longest first and batched, each batch right-padded to a multiple of {@link #lengthStep()}
 *       (itself a multiple of every RAT chunk length). Right padding is exact: every mixer is causal, so padding
 *       never reaches a real position.</li>
 * </ul>
 * Only the continuation positions go through the log-softmax, in place on the logits (float32, as the model computes
 * them).
 */
public final class LoglikelihoodScorer {
    private static final Logger LOG = LoggerFactory.getLogger(LoglikelihoodScorer.class);
    /**
     * Padded lengths are multiples of 16 (and of the chunk lengths): every distinct length builds one graph (tens of
     * milliseconds to a second each, cached by the model), and 16 keeps both the number of graphs and the padding
     * small for prompts of tens to hundreds of tokens.
     */
    static final int LENGTH_QUANTUM = 16;

    private final RatLanguageModel model;
    private final int maxLength;
    private final int batchRows;
    private final int tokenBudget;
    private final int lengthStep;
    private final ForwardStats stats = new ForwardStats();

    /**
     * @param maxLength   the longest model input (lm-eval's {@code max_length}); longer inputs lose their start
     * @param batchRows   the most rows per forward
     * @param tokenBudget the most padded tokens per forward (bounds the [rows·length, vocab] logits in memory)
     */
    public LoglikelihoodScorer(RatLanguageModel model, int maxLength, int batchRows, int tokenBudget) {
        if (maxLength < 1) throw new ConfigException("the maximum input length must be >= 1, got " + maxLength);
        if (batchRows < 1) throw new ConfigException("--batch must be >= 1, got " + batchRows);
        this.model = model;
        this.maxLength = maxLength;
        this.batchRows = batchRows;
        this.tokenBudget = tokenBudget;
        int m = model.sequenceMultiple();
        this.lengthStep = m * LENGTH_QUANTUM / gcd(m, LENGTH_QUANTUM);
    }

    public int maxLength() {
        return maxLength;
    }

    /** Padded lengths are multiples of this. */
    public int lengthStep() {
        return lengthStep;
    }

    public ForwardStats stats() {
        return stats;
    }

    /** One distinct model input and the requests it scores. */
    private static final class Row {
        final int[] input;
        final List<Integer> requests = new ArrayList<>();

        Row(int[] input) {
            this.input = input;
        }
    }

    /** Equality of int arrays by content, to share rows. */
    private record Key(int[] ids) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(ids, k.ids);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(ids);
        }
    }

    /**
     * Scores every request, in order.
     *
     * @param done called after each forward with the number of requests it completed
     */
    public List<Loglikelihood> score(List<ContextContinuation> requests, IntConsumer done) {
        long t0 = System.nanoTime();
        int vocab = model.config().vocabSize();
        Map<Key, Row> byInput = new HashMap<>();
        List<Row> rows = new ArrayList<>();
        long scored = 0;
        int overLength = 0;
        for (int i = 0; i < requests.size(); i++) {
            ContextContinuation r = requests.get(i);
            int c = r.continuation().length;
            if (c == 0) throw new ConfigException("request " + i + " has an empty continuation: nothing to score");
            if (c > maxLength) overLength++;
            int window = Math.max(maxLength, c);
            int[] full = concat(r.context(), r.continuation());
            for (int id : full) {
                if (id < 0 || id >= vocab) {
                    throw new ConfigException("token id " + id + " is outside the model's vocabulary [0, " + vocab
                            + "); the tokenizer does not match the model");
                }
            }
            int[] input = Arrays.copyOfRange(full, Math.max(0, full.length - (window + 1)), full.length - 1);
            Row row = byInput.computeIfAbsent(new Key(input), k -> {
                Row nr = new Row(input);
                rows.add(nr);
                return nr;
            });
            row.requests.add(i);
            scored += c;
        }
        stats.addRequests(requests.size(), scored, overLength);
        if (overLength > 0) {
            LOG.warn("{} continuation(s) longer than the maximum input length {} were scored whole, after their last context token",
                    overLength, maxLength);
        }
        rows.sort(Comparator.comparingInt((Row r) -> -r.input.length));     // stable: ties keep request order

        Loglikelihood[] out = new Loglikelihood[requests.size()];
        int next = 0;
        while (next < rows.size()) {
            int length = roundUp(rows.get(next).input.length);
            int count = 1;
            while (next + count < rows.size() && count < batchRows && (long) (count + 1) * length <= tokenBudget) count++;
            List<Row> batch = rows.subList(next, next + count);
            scoreBatch(batch, length, requests, out);
            int completed = 0;
            for (Row r : batch) completed += r.requests.size();
            done.accept(completed);
            next += count;
        }
        stats.addTotal(System.nanoTime() - t0);
        return Arrays.asList(out);
    }

    private void scoreBatch(List<Row> batch, int length, List<ContextContinuation> requests, Loglikelihood[] out) {
        int pad = model.config().eosId();
        int[][] ids = new int[batch.size()][length];
        long real = 0;
        for (int b = 0; b < batch.size(); b++) {
            int[] in = batch.get(b).input;
            Arrays.fill(ids[b], pad);
            System.arraycopy(in, 0, ids[b], 0, in.length);
            real += in.length;
        }
        long f0 = System.nanoTime();
        INDArray logits = model.logits(ids);                                              // [B, T, V]
        stats.addForward(batch.size(), length, real, System.nanoTime() - f0);
        int vocab = (int) logits.size(2);
        INDArray flat = logits.reshape('c', (long) batch.size() * length, vocab);         // [B·T, V]
        for (int b = 0; b < batch.size(); b++) {
            Row row = batch.get(b);
            int span = 0;                                  // the continuations all end at the input's end
            for (int q : row.requests) span = Math.max(span, requests.get(q).continuation().length);
            int end = b * length + row.input.length;
            INDArray view = flat.get(NDArrayIndex.interval(end - span, end), NDArrayIndex.all());   // [span, V], no copy
            // The targets' logits first: rowStats overwrites the view.
            double[][] target = new double[row.requests.size()][];
            for (int k = 0; k < target.length; k++) {
                int[] cont = requests.get(row.requests.get(k)).continuation();
                target[k] = new double[cont.length];
                for (int j = 0; j < cont.length; j++) target[k][j] = view.getDouble(span - cont.length + j, cont[j]);
            }
            RowStats st = rowStats(view);
            for (int k = 0; k < target.length; k++) {
                int[] cont = requests.get(row.requests.get(k)).continuation();
                int first = span - cont.length;
                double[] lp = new double[cont.length];
                double sum = 0;
                boolean greedy = true;
                for (int j = 0; j < cont.length; j++) {
                    lp[j] = target[k][j] - st.logZ()[first + j];
                    sum += lp[j];
                    greedy &= st.argmax()[first + j] == cont[j];
                }
                out[row.requests.get(k)] = new Loglikelihood(sum, greedy, lp);
            }
        }
        logits.close();
    }

    /** Per row of a [n, V] block: log Σ exp and the argmax (numpy's: the first maximum). */
    record RowStats(double[] logZ, long[] argmax) {
    }

    /**
     * The log-normaliser and argmax of each row, computed in place (the block is overwritten with exp(x - max)): no
     * copy of the logits is made, and the row maximum is read at the argmax instead of taking another pass.
     */
    static RowStats rowStats(INDArray x) {
        long[] argmax = Nd4j.argMax(x, 1).toLongVector();
        int n = argmax.length;
        double[] max = new double[n];
        INDArray maxCol = Nd4j.create(x.dataType(), n, 1);
        for (int i = 0; i < n; i++) {
            max[i] = x.getDouble(i, argmax[i]);
            maxCol.putScalar(i, 0, max[i]);
        }
        x.subiColumnVector(maxCol);
        Transforms.exp(x, false);
        INDArray sum = x.sum(1);                                                          // [n]
        double[] logZ = sum.castTo(DataType.DOUBLE).toDoubleVector();
        for (int i = 0; i < n; i++) logZ[i] = Math.log(logZ[i]) + max[i];
        sum.close();
        maxCol.close();
        return new RowStats(logZ, argmax);
    }

    private int roundUp(int n) {
        return (n + lengthStep - 1) / lengthStep * lengthStep;
    }

    static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
