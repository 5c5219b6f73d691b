package org.rat4j.eval.task;

import org.rat4j.attention.AttentionConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rat4j.block.MixerConfig;
import org.rat4j.data.niah.NiahTask;
import org.rat4j.data.tokenizer.Tokenizer;
import org.rat4j.eval.EvalTestSupport;
import org.rat4j.eval.Evaluator;
import org.rat4j.eval.TaskResult;
import org.rat4j.eval.metrics.RulerMatch;
import org.rat4j.model.RatLanguageModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** NIAH items from the datasets generator, decoded greedily and scored as RULER does. */
class NiahEvalTaskTest {
    @TempDir
    Path dir;

    @Test
    void samplesFitTheLengthAndPredictionsAreScored() throws IOException {
        Tokenizer tok = EvalTestSupport.llama();
        Files.writeString(dir.resolve("essay.txt"), "The river ran past the mill. Nobody knew where it went. ".repeat(40));
        RatLanguageModel model = EvalTestSupport.tiny(AttentionConfig.full(), 41);
        for (NiahTask t : List.of(NiahTask.NIAH_SINGLE_1, NiahTask.NIAH_MULTIVALUE)) {
            NiahEvalTask task = new NiahEvalTask(t, 256, 42, dir.toString());
            task.check();
            TaskResult r = new Evaluator(model, tok, EvalTestSupport.settings(3)).evaluate(task);
            assertEquals(t.taskName() + "@256", r.task());
            assertEquals(3, r.items());
            double sum = 0;
            for (Map<String, Object> p : r.predictions()) {
                assertTrue((int) p.get("prompt_tokens") <= 256);
                @SuppressWarnings("unchecked")
                List<String> answers = (List<String>) p.get("answers");
                assertEquals(t.keys() > 1 && t.queries() > 1 ? 4 : t.valuesPerKey(), answers.size());
                double all = RulerMatch.all((String) p.get("pred"), answers);
                assertEquals(all, (double) p.get("string_match_all"), 1e-12);
                sum += all;
            }
            assertEquals(sum / 3, r.metrics().get("string_match_all").value(), 1e-12);
            assertEquals(256, r.details().get("length"));
        }
    }
}
