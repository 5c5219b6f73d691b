package org.rat4j.eval.task;

import org.junit.jupiter.api.Test;
import org.rat4j.config.ConfigException;
import org.rat4j.eval.EvalData;
import org.rat4j.eval.Task;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The built-in task files on the data the project carries: item counts, the lm-eval prompt of the first items, gold
 * indices, and the invariants the data READMEs state (ARC's 3- and 5-choice items, WinoGrande's label counts,
 * HellaSwag's gold distribution).
 */
class BuiltinTasksTest {
    private static final TaskRegistry REGISTRY = TaskRegistry.builtin();

    private static Task task(String name) {
        return REGISTRY.resolve(name, TaskRegistry.Options.defaults(EvalData.root())).get(0);
    }

    private static List<MultipleChoiceTask.Item> mc(String name) {
        return ((MultipleChoiceTask) task(name)).renderItems(0);
    }

    @Test
    void piqa() {
        List<MultipleChoiceTask.Item> items = mc("piqa");
        assertEquals(1838, items.size());
        MultipleChoiceTask.Item first = items.get(0);
        assertEquals(List.of("Question: How do I ready a guinea pig cage for it's new occupants?\nAnswer:"), first.contexts());
        assertTrue(first.choices().get(0).endsWith("ripped paper strips, you will also need to supply it with a water bottle and a food dish."));
        assertTrue(first.choices().get(1).contains("ripped jeans material"));
        assertEquals(0, first.gold());
    }

    @Test
    void arcResolvesNumericAnswerKeysAmongTheLabels() {
        List<MultipleChoiceTask.Item> items = mc("arc_easy");
        assertEquals(2376, items.size());
        assertEquals("Question: Which statement best explains why photosynthesis is the foundation of most food webs?\nAnswer:",
                items.get(0).contexts().get(0));
        assertEquals(0, items.get(0).gold());
        MultipleChoiceTask.Item numeric = items.get(151);            // labels 1..4, answerKey "1"
        assertEquals(List.of("genes", "chlorophyll", "sperm", "eggs"), numeric.choices());
        assertEquals(0, numeric.gold());
        assertEquals(7, items.stream().filter(i -> i.choices().size() == 3).count());
        assertEquals(4, items.stream().filter(i -> i.choices().size() == 5).count());
        assertEquals(1172, mc("arc_challenge").size());
    }

    @Test
    void winograndeIsPartialEvaluation() {
        List<MultipleChoiceTask.Item> items = mc("winogrande");
        assertEquals(1267, items.size());
        MultipleChoiceTask.Item first = items.get(0);
        assertEquals(List.of("Sarah was a much better surgeon than Maria so Sarah", "Sarah was a much better surgeon than Maria so Maria"),
                first.contexts());
        assertEquals(List.of("always got the easier cases."), first.choices());
        assertEquals(1, first.gold());
        assertEquals(628, items.stream().filter(i -> i.gold() == 0).count(), "628 items have answer 1");
    }

    @Test
    void lambadaSplitsOffTheLastWord() {
        List<String[]> items = ((LoglikelihoodTask) task("lambada_openai")).renderItems(0);
        assertEquals(5153, items.size());
        for (String[] it : items) {
            assertTrue(it[1].startsWith(" ") && !it[1].substring(1).contains(" "), it[1]);
            assertFalse(it[0].endsWith(" "));
        }
        assertTrue(items.get(0)[0].startsWith("In my palm is a clear stone"));
    }

    @Test
    void hellaswagAppliesLmEvalPreprocessingAndTheCapitalisation() {
        List<MultipleChoiceTask.Item> items = mc("hellaswag");
        assertEquals(10042, items.size());
        MultipleChoiceTask.Item first = items.get(0);
        assertEquals("Roof shingle removal: A man is sitting on a roof. He", first.contexts().get(0));
        assertEquals(List.of("is using wrap to wrap a pair of skis.", "is ripping level tiles off.", "is holding a rubik's cube.",
                "starts pulling up roofing on a roof."), first.choices());
        assertEquals(3, first.gold());
        assertEquals("Clean and jerk: A lady walks to a barbell. She bends down and grabs the pole. The lady", items.get(1).contexts().get(0));
        int[] golds = new int[4];
        for (MultipleChoiceTask.Item it : items) golds[it.gold()]++;
        assertArrayEquals(new int[]{2515, 2485, 2584, 2458}, golds);
        // item 3505 holds "[www.kiddio.org]": lm-eval deletes every [...] span and then the doubled space
        assertTrue(items.get(3505).contexts().get(0).contains("Visit a site like to find loads"), items.get(3505).contexts().get(0));
    }

    @Test
    void capitalizeLastFragment() {
        assertEquals("On a roof. He", TextSteps.capitalizeLastFragment("On a roof. he"));
        assertEquals("Done. He IS here? Yes", TextSteps.capitalizeLastFragment("Done. He IS here? Yes"), "already capitalised");
        assertEquals("A b. He is here", TextSteps.capitalizeLastFragment("A b. he IS here"), "Python's capitalize lowers the rest");
        assertEquals("No sentence end", TextSteps.capitalizeLastFragment("No sentence end"));
        assertEquals("Ends here.", TextSteps.capitalizeLastFragment("Ends here."));
    }

    @Test
    void qmsumHasOneItemPerQuery() {
        List<GenerationTask.Item> items = ((GenerationTask) task("qmsum")).renderItems(0);
        assertEquals(281, items.size());
        GenerationTask.Item first = items.get(0);
        assertTrue(first.prompt().startsWith("Transcript: Lynne Neagle AM: Good afternoon, everyone."), first.prompt().substring(0, 60));
        assertTrue(first.prompt().endsWith("\n\nQuestion: Summarize the whole meeting.\n\nAnswer:"));
        assertEquals(1, first.answers().size());
        assertTrue(first.answers().get(0).startsWith("This meeting was the eleventh evidence session"));
    }

    @Test
    void longbenchNeedsItsDataFolder() {
        Task t = task("longbench_narrativeqa");
        ConfigException e = assertThrows(ConfigException.class, t::check);
        assertTrue(e.getMessage().contains("--longbench-dir"), e.getMessage());
        GenerationTask g = (GenerationTask) t;
        assertEquals(128, g.maxGen(), "max_gen from LongBench's dataset2maxlen.json");
        assertEquals(4096, g.maxLen());
    }

    @Test
    void groupsExpandAndUnknownNamesSuggestTheNearest() {
        List<Task> csr = REGISTRY.resolve("csr", TaskRegistry.Options.defaults(EvalData.root()));
        assertEquals(List.of("piqa", "arc_easy", "arc_challenge", "winogrande", "lambada_openai", "hellaswag"),
                csr.stream().map(Task::name).toList());
        ConfigException e = assertThrows(ConfigException.class, () -> REGISTRY.resolve("piqa,arc_esay", TaskRegistry.Options.defaults(EvalData.root())));
        assertTrue(e.getMessage().startsWith("unknown task 'arc_esay'; did you mean 'arc_easy'?"), e.getMessage());
    }
}
