package org.rat4j.eval.command;

import org.rat4j.attention.AttentionConfig;
import org.rat4j.rat.RatConfig;
import org.rat4j.ratplus.RatPlusConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.cli.Option;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.rat4j.cli.ConsoleCapture;
import org.rat4j.eval.EvalTestSupport;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.rat4j.config.ConfigException;
import org.rat4j.block.MixerConfig;
import org.rat4j.model.ModelConfig;
import org.rat4j.io.ModelIO;
import org.rat4j.model.RatLanguageModel;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** {@code rat4j eval} as a user runs it: help, its one-line errors, and the files of a run. */
class EvalCommandTest {
    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    @TempDir
    Path dir;

    private Path model(String name, MixerConfig cell, int vocab) throws Exception {
        Path d = dir.resolve(name);
        ModelIO.save(RatLanguageModel.initialize(ModelConfig.of(vocab, 16, 2, 2, 64, cell), 3, DataType.FLOAT), d);
        return d;
    }

    private static int run(String... args) throws Exception {
        return new EvalCommand().run(args);
    }

    @Test
    void helpDocumentsEveryOption() throws Exception {
        assertEquals(0, run("--help"));
        String help = console.out();
        for (Option o : EvalCommand.options().getOptions()) assertTrue(help.contains("--" + o.getLongOpt()), o.getLongOpt());
        assertTrue(help.contains("csr") && help.contains("piqa") && help.contains("niah_single_1") && help.contains("ppl"));
    }

    @Test
    void badInputGivesOneClearLine() throws Exception {
        EvalTestSupport.llama();
        Path m = model("rat", RatConfig.of(16, 2), 32000);
        ConfigException task = assertThrows(ConfigException.class, () -> run("--model", m.toString(), "--tasks", "piqa,hellaswg"));
        assertTrue(task.getMessage().startsWith("unknown task 'hellaswg'; did you mean 'hellaswag'?"), task.getMessage());

        Path small = model("small", RatConfig.of(16, 2), 300);
        ConfigException vocab = assertThrows(ConfigException.class, () -> run("--model", small.toString(), "--tasks", "piqa"));
        assertTrue(vocab.getMessage().startsWith("the model's vocab_size is 300 but tokenizer llama2-32000 has 32000 tokens"), vocab.getMessage());

        Files.writeString(dir.resolve("t.yaml"), "name: t\ntype: loglikelihood\ndata: {path: gone.jsonl}\ncontext: \"{a}\"\ncontinuation: \" {b}\"\n");
        ConfigException data = assertThrows(ConfigException.class, () -> run("--model", m.toString(), "--tasks", dir.resolve("t.yaml").toString()));
        assertTrue(data.getMessage().startsWith("task t: data file ") && data.getMessage().endsWith("gone.jsonl does not exist"), data.getMessage());

        ConfigException noModel = assertThrows(ConfigException.class, () -> run("--model", dir.resolve("nope").toString(), "--tasks", "piqa"));
        assertTrue(noModel.getMessage().startsWith("model directory not found"), noModel.getMessage());
        for (ConfigException e : new ConfigException[]{task, vocab, data, noModel}) assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void twoModelsSideBySideWithEveryOutput() throws Exception {
        EvalTestSupport.llama();
        Path rat = model("rat", RatConfig.of(16, 2), 32000);
        Path attn = model("attention", AttentionConfig.full(), 32000);
        Path out = dir.resolve("out");
        assertEquals(0, run("--model", rat.toString(), "--model", attn.toString(), "--tasks", "piqa,ppl", "--limit", "4",
                "--ppl-window", "64,128", "--log-samples", "--no-progress", "--out", out.toString()));
        String table = this.console.out();
        assertTrue(table.startsWith("| task | metric | n | chance | rat | attention |"), table);
        assertTrue(table.contains("| piqa | acc | 4 | 50.0 |"), table);
        assertTrue(table.contains("| ppl@128 | perplexity | 4 |"), table);

        JsonNode results = new ObjectMapper().readTree(out.resolve("results.json").toFile());
        assertEquals(2, results.get("models").size());
        JsonNode piqa = results.get("models").get(0).get("tasks").get("piqa");
        assertEquals(4, piqa.get("items").asInt());
        assertTrue(piqa.get("metrics").get("acc").get("value").isNumber());
        assertEquals(128, results.get("models").get(1).get("tasks").get("ppl@128").get("details").get("loss_by_position").size());
        assertTrue(Files.readString(out.resolve("report.md")).contains("| task | metric | n | chance | rat | attention |"));
        for (String f : new String[]{"tasks.png", "loss_by_position.png", "samples/rat/piqa.jsonl", "samples/attention/piqa.jsonl",
                "loss_by_position/rat-ppl@64.csv"}) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        assertEquals(4, Files.readAllLines(out.resolve("samples/rat/piqa.jsonl")).size());
        assertEquals(65, Files.readAllLines(out.resolve("loss_by_position/rat-ppl@64.csv")).size(), "header + 64 positions");
    }

    @Test
    void ratPlusSweepEvaluatesOneColumnPerSetting() throws Exception {
        EvalTestSupport.llama();
        Path rp = model("ratplus", RatPlusConfig.of(64, 0, 0), 32000);
        Path out = dir.resolve("sweep");
        assertEquals(0, run("--model", rp.toString(), "--tasks", "winogrande", "--limit", "3", "--ratplus-sweep", "dense,4:0:1",
                "--no-progress", "--out", out.toString()));
        String table = this.console.out();
        assertTrue(table.startsWith("| task | metric | n | chance | ratplus [D=1,W=0,P=0] | ratplus [D=4,W=0,P=1] |"), table);
        assertTrue(Files.isRegularFile(out.resolve("ratplus_sweep.png")));
    }
}
