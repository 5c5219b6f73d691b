package org.rat4j.eval.task;

import org.rat4j.attention.AttentionConfig;
import org.rat4j.rat.RatConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rat4j.block.MixerConfig;
import org.rat4j.data.tokenizer.Tokenizer;
import org.rat4j.eval.EvalTestSupport;
import org.rat4j.eval.Evaluator;
import org.rat4j.eval.TaskResult;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.model.TokenBatch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Perplexity against the model's own training loss on the same windows, the sliding-window accounting, and the
 * loss-by-position curve.
 */
class PerplexityTaskTest {
    private static final String TEXT = "It is a truth universally acknowledged, that a single man in possession of a good fortune, "
            + "must be in want of a wife. However little known the feelings or views of such a man may be on his first "
            + "entering a neighbourhood, this truth is so well fixed in the minds of the surrounding families, that he is "
            + "considered the rightful property of some one or other of their daughters.";

    @TempDir
    Path dir;

    /** Two documents as two files; the stream is doc1 EOS doc2 EOS, each encoded without BOS. */
    private int[] stream(Tokenizer tok) throws IOException {
        Files.writeString(dir.resolve("a.txt"), TEXT);
        Files.writeString(dir.resolve("b.txt"), TEXT.toUpperCase());
        List<Integer> ids = new ArrayList<>();
        for (String s : List.of(TEXT, TEXT.toUpperCase())) {
            for (int id : tok.encode(s, false)) ids.add(id);
            ids.add(tok.eosId());
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void nonOverlappingWindowsGiveTheTrainingLoss() throws IOException {
        Tokenizer tok = EvalTestSupport.llama();
        int[] stream = stream(tok);
        RatLanguageModel model = EvalTestSupport.tiny(RatConfig.of(16, 2), 21);
        int w = 32;
        PerplexityTask task = new PerplexityTask(dir.toString(), "text", w, 0);
        TaskResult r = new Evaluator(model, tok, EvalTestSupport.settings(0)).evaluate(task);

        int windows = (stream.length - w - 1) / w + 1;
        int[][] win = new int[windows][];
        for (int k = 0; k < windows; k++) win[k] = Arrays.copyOfRange(stream, k * w, k * w + w + 1);
        TokenBatch batch = TokenBatch.fromWindows(win);
        double expected = model.loss(batch);                 // mean over counted targets (EOS inputs excluded)
        assertEquals("ppl@32", r.task());
        assertEquals(windows, r.items());
        assertEquals(expected, r.metrics().get("loss").value(), 1e-5);
        assertEquals(Math.exp(expected), r.metrics().get("perplexity").value(), 1e-3 * Math.exp(expected));
        assertEquals((long) batch.countedTargets(tok.eosId()), r.details().get("tokens_counted"));

        // the curve: one mean per position whose count-weighted mean is the loss
        double[] curve = (double[]) r.details().get("loss_by_position");
        long[] counts = (long[]) r.details().get("count_by_position");
        assertEquals(w, curve.length);
        double sum = 0;
        long n = 0;
        for (int p = 0; p < w; p++) {
            if (counts[p] > 0) {
                sum += curve[p] * counts[p];
                n += counts[p];
            }
        }
        assertEquals(expected, sum / n, 1e-5);
    }

    @Test
    void slidingWindowsCountEachTargetOnceAndLimitCapsTheWindows() throws IOException {
        Tokenizer tok = EvalTestSupport.llama();
        int[] stream = stream(tok);
        RatLanguageModel model = EvalTestSupport.tiny(AttentionConfig.full(), 22);
        int w = 32;
        int s = 8;
        TaskResult r = new Evaluator(model, tok, EvalTestSupport.settings(0)).evaluate(new PerplexityTask(dir.toString(), "text", w, s));
        int windows = (stream.length - w - 1) / s + 1;
        assertEquals("ppl@32/s8", r.task());
        assertEquals(windows, r.items());
        // targets 1 .. w + (windows-1)·s, less those whose input is EOS
        long counted = 0;
        for (int t = 1; t <= w + (windows - 1) * s; t++) if (stream[t - 1] != tok.eosId()) counted++;
        assertEquals(counted, r.details().get("tokens_counted"));
        assertNull(r.details().get("loss_by_position"), "no curve for overlapping windows");

        TaskResult limited = new Evaluator(model, tok, EvalTestSupport.settings(2)).evaluate(new PerplexityTask(dir.toString(), "text", w, s));
        assertEquals(2, limited.items());
    }
}
