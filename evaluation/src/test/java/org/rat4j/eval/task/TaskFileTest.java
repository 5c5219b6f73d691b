package org.rat4j.eval.task;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rat4j.config.ConfigException;
import org.rat4j.eval.Task;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** A user's task file: the format's features and its errors, each one line naming the problem. */
class TaskFileTest {
    @TempDir
    Path dir;

    private Task load(String yaml) throws IOException {
        Path f = dir.resolve("task.yaml");
        Files.writeString(f, yaml);
        return TaskFile.load(f, Map.of());
    }

    private void data(String jsonl) throws IOException {
        Files.writeString(dir.resolve("items.jsonl"), jsonl);
    }

    @Test
    void multipleChoiceWithListChoicesGoldMapAndDerivedFields() throws IOException {
        data("{\"q\": \"Two plus two?\", \"opts\": [{\"t\": \"four\"}, {\"t\": \"five\"}], \"ans\": \"A\", \"s\": \"x_y\"}\n");
        Task t = load("""
                name: sums
                type: multiple_choice
                data: {path: items.jsonl}
                derive:
                  head: {from: s, steps: [{before: "_"}]}
                  loud: {template: "{q}!", steps: [strip, {replace: ["?", ""]}]}
                context: "{loud} {{literal}} {head}"
                choices: "{opts[*].t}"
                gold: "{ans}"
                gold_map: {A: 0, B: 1}
                metrics: [acc]
                """);
        MultipleChoiceTask.Item it = ((MultipleChoiceTask) t).renderItems(0).get(0);
        assertEquals(List.of("Two plus two! {literal} x"), it.contexts());
        assertEquals(List.of("four", "five"), it.choices());
        assertEquals(0, it.gold());
    }

    @Test
    void generationTaskFromAUserJsonl() throws IOException {
        data("{\"input\": \"Who?\", \"context\": \"Ann met Bob.\", \"answers\": [\"Ann\", \"Bob\"]}\n");
        Task t = load("""
                name: mine
                type: generate
                data: {path: items.jsonl}
                prompt: "{context}\\nQ: {input}\\nA:"
                answers: "{answers[*]}"
                max_gen: 8
                max_len: 64
                metric: qa_f1
                """);
        GenerationTask.Item it = ((GenerationTask) t).renderItems(0).get(0);
        assertEquals("Ann met Bob.\nQ: Who?\nA:", it.prompt());
        assertEquals(List.of("Ann", "Bob"), it.answers());
    }

    @Test
    void errorsNameTheProblem() throws IOException {
        data("{\"q\": \"x\", \"a\": \"1\"}\n");
        ConfigException typo = assertThrows(ConfigException.class, () -> load("""
                name: t
                type: multiple_choice
                data: {path: items.jsonl}
                context: "{q}"
                choices: ["a", "b"]
                gold: "{a}"
                metrix: [acc]
                """));
        assertTrue(typo.getMessage().contains("unknown config key") && typo.getMessage().contains("did you mean 'metrics'"), typo.getMessage());

        Task missing = load("""
                name: t
                type: multiple_choice
                data: {path: nowhere.jsonl}
                context: "{q}"
                choices: ["a", "b"]
                gold: "{a}"
                """);
        ConfigException nofile = assertThrows(ConfigException.class, missing::check);
        assertTrue(nofile.getMessage().startsWith("task t: data file ") && nofile.getMessage().contains("does not exist"), nofile.getMessage());

        Task badField = load("""
                name: t
                type: multiple_choice
                data: {path: items.jsonl}
                context: "{question}"
                choices: ["a", "b"]
                gold: "{a}"
                """);
        ConfigException field = assertThrows(ConfigException.class, () -> ((MultipleChoiceTask) badField).renderItems(0));
        assertTrue(field.getMessage().contains("task t, item 1: no field 'question'"), field.getMessage());

        Task badGold = load("""
                name: t
                type: multiple_choice
                data: {path: items.jsonl}
                context: "{q}"
                choices: ["a", "b"]
                gold: "{a}"
                gold_map: {"2": 0}
                """);
        ConfigException gold = assertThrows(ConfigException.class, () -> ((MultipleChoiceTask) badGold).renderItems(0));
        assertTrue(gold.getMessage().contains("the gold '1' is not a key of gold_map"), gold.getMessage());

        assertThrows(ConfigException.class, () -> load("name: t\ntype: ranking\ndata: {path: items.jsonl}\n"));
        assertThrows(ConfigException.class, () -> Template.parse("{unclosed", "here"));
    }
}
