package org.rat4j.eval;

import org.rat4j.rat.RatConfig;
import org.junit.jupiter.api.Test;
import org.rat4j.block.MixerConfig;
import org.rat4j.data.tokenizer.Tokenizer;
import org.rat4j.eval.task.TaskRegistry;
import org.rat4j.model.RatLanguageModel;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A randomly initialised model knows nothing, so on the multiple-choice tasks it must land inside the 95% sampling
 * interval of chance (chance ± 1.96·sqrt(c(1-c)/n)), as the untrained Pythia-160M of the anchors does. A leak of the
 * gold index into scoring, or a systematic bias in how choices are scored, would push it out.
 */
class ChanceLevelTest {
    private static final int ITEMS = 120;

    @Test
    void randomModelScoresAtChance() {
        Tokenizer tok = EvalTestSupport.llama();
        RatLanguageModel model = EvalTestSupport.tiny(RatConfig.of(16, 2), 11);
        Evaluator ev = new Evaluator(model, tok, EvalTestSupport.settings(ITEMS));
        List<Task> tasks = TaskRegistry.builtin().resolve("piqa,arc_easy,arc_challenge,winogrande",
                TaskRegistry.Options.defaults(EvalData.root()));
        for (TaskResult r : ev.evaluate(tasks)) {
            double c = r.chance();
            double half = 1.96 * Math.sqrt(c * (1 - c) / r.items());
            for (String metric : r.metrics().keySet()) {
                double v = r.metrics().get(metric).value();
                assertTrue(Math.abs(v - c) <= half, r.task() + " " + metric + " = " + v + " outside chance " + c + " ± " + half);
            }
        }
    }
}
