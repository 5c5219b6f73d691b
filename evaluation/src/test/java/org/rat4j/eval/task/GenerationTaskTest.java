package org.rat4j.eval.task;

import org.rat4j.rat.RatConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rat4j.block.MixerConfig;
import org.rat4j.data.tokenizer.Tokenizer;
import org.rat4j.decode.Generator;
import org.rat4j.decode.SamplingConfig;
import org.rat4j.eval.EvalSettings;
import org.rat4j.eval.EvalTestSupport;
import org.rat4j.eval.Evaluator;
import org.rat4j.eval.Task;
import org.rat4j.eval.TaskResult;
import org.rat4j.eval.metrics.LongBenchMetrics;
import org.rat4j.model.RatLanguageModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** RAT's prompt truncation, and greedy generation of a user task batched across prompts of different lengths. */
class GenerationTaskTest {
    @TempDir
    Path dir;

    @Test
    void truncationKeepsHeadAndTailAsRatDoes() {
        int[] ids = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        // 10 >= 6: keep (6-1)/2 = 2 first and 3 last tokens
        assertArrayEquals(new int[]{0, 1, 7, 8, 9}, GenerationTask.truncate(ids, 6));
        // a prompt exactly at the budget is cut too (RAT's condition is len >= max_prefill)
        assertArrayEquals(new int[]{0, 1, 3, 4, 5}, GenerationTask.truncate(new int[]{0, 1, 2, 3, 4, 5}, 6));
        assertArrayEquals(new int[]{0, 1, 2, 3, 4}, GenerationTask.truncate(new int[]{0, 1, 2, 3, 4}, 6));
    }

    @Test
    void greedyPredictionsMatchSinglePromptDecodingAndAreScored() throws IOException {
        Tokenizer tok = EvalTestSupport.llama();
        Files.writeString(dir.resolve("items.jsonl"), """
                {"input": "Who?", "context": "Ann met Bob at the market on a sunny day.", "answers": ["Ann"]}
                {"input": "Where did they meet, and when?", "context": "Ann met Bob.", "answers": ["market", "at the market"]}
                {"input": "What?", "context": "A short one.", "answers": ["nothing"]}
                """);
        Files.writeString(dir.resolve("task.yaml"), """
                name: mine
                type: generate
                data: {path: items.jsonl}
                prompt: "{context}\\nQuestion: {input}\\nAnswer:"
                answers: "{answers[*]}"
                max_gen: 5
                max_len: 24
                metric: qa_f1
                postprocess: [lstrip_newlines, {cut_at: "\\nQuestion"}]
                """);
        Task task = TaskFile.load(dir.resolve("task.yaml"), Map.of());
        RatLanguageModel model = EvalTestSupport.tiny(RatConfig.of(16, 2), 31);
        EvalSettings settings = new EvalSettings(0, 16, 4096, 0, null, true, false, false, 2);
        TaskResult r = new Evaluator(model, tok, settings).evaluate(task);
        assertEquals(3, r.items());
        assertEquals(3, r.predictions().size());
        List<GenerationTask.Item> items = ((GenerationTask) task).renderItems(0);
        double sum = 0;
        int cut = 0;
        for (int i = 0; i < 3; i++) {
            if (tok.encode(items.get(i).prompt(), false).length >= 24 - 5) cut++;
            Map<String, Object> p = r.predictions().get(i);
            int[] prompt = GenerationTask.truncate(tok.encode(items.get(i).prompt(), false), 24 - 5);
            assertArrayEquals(prompt, (int[]) p.get("prompt_ids"), "no BOS by default for generation tasks, cut to 18 tokens");
            int[] alone = new Generator(model).generate(List.of(prompt), 5, SamplingConfig.greedy(), true).get(0);
            assertArrayEquals(alone, (int[]) p.get("generated_ids"), "item " + i + " decoded in a batch equals decoded alone");
            double best = 0;
            for (String a : items.get(i).answers()) best = Math.max(best, LongBenchMetrics.qaF1((String) p.get("pred"), a));
            assertEquals(best, (double) p.get("score"), 1e-12);
            sum += best;
        }
        assertEquals(sum / 3, r.metrics().get("qa_f1").value(), 1e-12);
        assertTrue(cut >= 1 && cut < 3, "the items mix cut and uncut prompts");
        assertEquals(cut, r.details().get("truncated_prompts"));
    }
}
