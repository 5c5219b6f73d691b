package org.rat4j.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.rat4j.cli.ConsoleCapture;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.rat4j.data.generate.TextGenerator;
import org.rat4j.data.tokenizer.ModelTokenizers;
import org.rat4j.data.tokenizer.Tokenizer;
import org.rat4j.data.tokenizer.TokenizerFile;
import org.rat4j.data.tokenizer.TokenizerModel;
import org.rat4j.data.tokenizer.Tokenizers;
import org.rat4j.decode.GenerationSettings;
import org.rat4j.decode.SamplingConfig;
import org.rat4j.io.ModelIO;
import org.rat4j.model.RatLanguageModel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** rat4j generate / score with text, as a user runs them on a model directory that carries its tokenizer. */
class TextCommandsTest {
    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    /** A small SentencePiece-style tokenizer: unk, BOS, EOS, 256 byte pieces, then ▁ and a–z (286 ids, no merges). */
    static Path tokenizerFile(Path dir) throws Exception {
        List<String> pieces = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        for (int b = 0; b < 256; b++) pieces.add(String.format("<0x%02X>", b));
        pieces.add("▁");
        for (char c = 'a'; c <= 'z'; c++) pieces.add(String.valueOf(c));
        Path f = dir.resolve("letters.tokenizer");
        TokenizerFile.write(f, new TokenizerModel("letters-286", pieces, new int[0], new int[0], 0, 1, 2, true, Map.of()));
        return f;
    }

    /** {@code rat4j init} of a tiny RAT over the letters tokenizer, which it stores. */
    private Path model(Path dir) throws Exception {
        Path cfg = dir.resolve("m.yaml");
        Files.writeString(cfg, "model:\n  vocab_size: 286\n  d_model: 16\n  n_layers: 2\n  num_heads: 2\n  seq_len: 32\n"
                + "  backbone:\n    seq_cell:\n      type: rat\n      chunk_size: 4\n");
        Path model = dir.resolve("model");
        assertEquals(0, Rat4j.run(new String[]{"init", "--config", cfg.toString(), "--seed", "3", "--tokenizer",
                tokenizerFile(dir).toString(), "--out", model.toString()}), console.err());
        return model;
    }

    private String stdout() {
        return console.out();
    }

    @Test
    void aPromptStreamsTheTextTheLibraryGenerates(@TempDir Path dir) throws Exception {
        Path model = model(dir);
        assertTrue(Files.isRegularFile(model.resolve(ModelIO.TOKENIZER_FILE)));
        assertEquals(0, Rat4j.run(new String[]{"generate", "--model", model.toString(), "--prompt", "hello world", "--max-new", "10",
                "--no-stop"}), console.err());
        RatLanguageModel m = ModelIO.load(model, DataType.FLOAT);
        Tokenizer tok = ModelTokenizers.of(model, m.config());
        TextGenerator.Result want = new TextGenerator(m, tok).generate(List.of("hello world"),
                TextGenerator.Settings.of(GenerationSettings.of(10, SamplingConfig.greedy()).withStopAtEos(false)),
                TextGenerator.TextListener.NONE).get(0);
        assertEquals(10, want.tokens().length);
        assertEquals(want.text().endsWith("\n") ? want.text() : want.text() + "\n", stdout());

        // --with-prompt prints what the model read first.
        console.resetOut();
        assertEquals(0, Rat4j.run(new String[]{"generate", "--model", model.toString(), "--prompt", "hello world", "--max-new", "10",
                "--no-stop", "--with-prompt"}));
        assertTrue(stdout().startsWith("hello world" + want.text()), stdout());
    }

    @Test
    void severalPromptsAndPromptFilesGiveJsonl(@TempDir Path dir) throws Exception {
        Path model = model(dir);
        Path res = dir.resolve("res.jsonl");
        assertEquals(0, Rat4j.run(new String[]{"generate", "--model", model.toString(), "--prompt", "abc", "--prompt", "the cat",
                "--max-new", "5", "--no-stop", "--out", res.toString()}), console.err());
        assertTrue(stdout().startsWith("--- 1/2: abc (5 tokens, --max-new reached)\n"), stdout());
        assertTrue(stdout().contains("\n--- 2/2: the cat (5 tokens, --max-new reached)\n"), stdout());
        List<String> lines = Files.readAllLines(res);
        assertEquals(2, lines.size());
        JsonNode first = new ObjectMapper().readTree(lines.get(0));
        assertEquals("abc", first.get("prompt").asText());
        assertEquals(5, first.get("tokens").size());
        // The text printed under the first header is that line's pred.
        String block = stdout().substring(stdout().indexOf('\n') + 1, stdout().indexOf("--- 2/2"));
        assertEquals(first.get("pred").asText(), block.endsWith("\n") && !first.get("pred").asText().endsWith("\n")
                ? block.substring(0, block.length() - 1) : block);

        Path in = dir.resolve("in.jsonl");
        Files.writeString(in, "{\"prompt\": \"abc\"}\n{\"prompt\": \"the cat\"}\n{\"prompt\": \"zz\"}\n");
        Path answers = dir.resolve("answers.jsonl");
        console.resetOut();
        assertEquals(0, Rat4j.run(new String[]{"generate", "--model", model.toString(), "--prompt-file", in.toString(), "--max-new", "5",
                "--no-stop", "--batch", "2", "--out", answers.toString()}), console.err());
        assertEquals("", stdout(), "a prompt file's results go to --out only");
        List<String> rows = Files.readAllLines(answers);
        assertEquals(3, rows.size());
        assertEquals(lines.get(0), rows.get(0), "the same prompt gives the same line in a batch of a file");
        assertEquals(lines.get(1), rows.get(1));

        assertEquals(2, Rat4j.run(new String[]{"generate", "--model", model.toString(), "--prompt-file", in.toString()}));
        assertTrue(console.err().contains("--prompt-file needs --out FILE"), console.err());
        assertEquals(2, Rat4j.run(new String[]{"generate", "--model", model.toString(), "--prompt", "a", "--out", dir.toString()}));
        assertTrue(console.err().contains("is a directory"), console.err());
    }

    @Test
    void stopStringsRepetitionPenaltyAndIds(@TempDir Path dir) throws Exception {
        Path model = model(dir);
        assertEquals(0, Rat4j.run(new String[]{"generate", "--model", model.toString(), "--prompt", "the", "--max-new", "12", "--no-stop"}));
        String free = stdout().substring(0, stdout().length() - 1);
        assertTrue(free.length() >= 4, free);
        String stop = free.substring(2, 4);
        console.resetOut();
        assertEquals(0, Rat4j.run(new String[]{"generate", "--model", model.toString(), "--prompt", "the", "--max-new", "12", "--no-stop",
                "--stop", stop}));
        assertEquals(free.substring(0, free.indexOf(stop)) + "\n", stdout());

        // A strong repetition penalty changes the greedy text of this model.
        console.resetOut();
        assertEquals(0, Rat4j.run(new String[]{"generate", "--model", model.toString(), "--prompt", "the", "--max-new", "12", "--no-stop",
                "--repetition-penalty", "5", "--penalize-prompt"}), console.err());
        assertNotEquals(free + "\n", stdout());
        assertEquals(2, Rat4j.run(new String[]{"generate", "--model", model.toString(), "--prompt", "the", "--repetition-penalty", "0"}));
        assertTrue(console.err().contains("repetition penalty must be a finite number > 0"), console.err());

        // Ids still work, and text-only options are refused with them.
        console.resetOut();
        assertEquals(0, Rat4j.run(new String[]{"generate", "--model", model.toString(), "--tokens", "1,280,285", "--max-new", "3", "--no-stop"}));
        String ids = stdout();
        assertTrue(ids.matches("\\d+,\\d+,\\d+\n"), ids);
        console.resetOut();
        assertEquals(0, Rat4j.run(new String[]{"generate", "--model", model.toString(), "--tokens", "1,280,285", "--max-new", "3", "--no-stop",
                "--with-prompt"}));
        assertEquals("1,280,285," + ids, stdout());
        console.resetOut();
        assertEquals(0, Rat4j.run(new String[]{"generate", "--model", model.toString(), "--tokens", "1,280,285", "--tokens", "7",
                "--max-new", "3", "--no-stop"}));
        assertTrue(stdout().startsWith(ids), "a batch prints the same ids for the same prompt: " + stdout());
        assertEquals(2, Rat4j.run(new String[]{"generate", "--model", model.toString(), "--tokens", "1", "--stop", "x"}));
        assertTrue(console.err().contains("--stop works on text"), console.err());
        assertEquals(2, Rat4j.run(new String[]{"generate", "--model", model.toString(), "--tokens", "1", "--prompt", "x"}));
    }

    @Test
    void scoreTextEqualsScoreOfItsIds(@TempDir Path dir) throws Exception {
        Path model = model(dir);
        Path a = dir.resolve("a.npy");
        Path b = dir.resolve("b.npy");
        assertEquals(0, Rat4j.run(new String[]{"score", "--model", model.toString(), "--text", "the cat", "--out", a.toString()}), console.err());
        Tokenizer tok = Tokenizers.load(model.resolve(ModelIO.TOKENIZER_FILE));
        int[] ids = tok.encode("the cat", true);
        assertEquals(9, ids.length);                                   // BOS, ▁, t, h, e, ▁, c, a, t
        StringBuilder csv = new StringBuilder();
        for (int id : ids) csv.append(csv.length() == 0 ? "" : ",").append(id);
        assertEquals(0, Rat4j.run(new String[]{"score", "--model", model.toString(), "--tokens", csv.toString(), "--out", b.toString()}));
        assertArrayEquals(Files.readAllBytes(b), Files.readAllBytes(a));
        assertEquals(9, CoreCommandsTest.readNpy(a, 9, 286).length);
        assertEquals(2, Rat4j.run(new String[]{"score", "--model", model.toString(), "--out", a.toString()}));
        assertEquals(2, Rat4j.run(new String[]{"score", "--model", model.toString(), "--text", "x", "--out", dir.toString()}));
        assertTrue(console.err().contains("is a directory"), console.err());
    }

    @Test
    void aTokenizerThatDoesNotFitIsOneLine(@TempDir Path dir) throws Exception {
        Path cfg = CoreCommandsTest.config(dir, "      type: rat\n      chunk_size: 4\n");   // vocab_size 60
        Path model = dir.resolve("small");
        assertEquals(0, Rat4j.run(new String[]{"init", "--config", cfg.toString(), "--out", model.toString()}));
        assertFalse(Files.exists(model.resolve(ModelIO.TOKENIZER_INFO)), "no tokenizer fits vocab_size 60, so none is stored");
        assertEquals(2, Rat4j.run(new String[]{"generate", "--model", model.toString(), "--prompt", "the"}));
        assertEquals(2, Rat4j.run(new String[]{"generate", "--model", model.toString(), "--prompt", "the", "--tokenizer",
                tokenizerFile(dir).toString()}));
        assertTrue(console.err().contains("the tokenizer letters-286 has 286 ids but the model in " + model + " (tokenizer: --tokenizer "),
                console.err());
        assertEquals(2, Rat4j.run(new String[]{"init", "--config", cfg.toString(), "--out", dir.resolve("m2").toString(), "--tokenizer",
                tokenizerFile(dir).toString()}));
        assertTrue(console.err().contains("or --tokenizer none"), console.err());
        assertFalse(console.err().contains("\tat "), "no stack traces: " + console.err());
    }

    @Test
    void trainedModelsCarryTheirTokenizerAndGenerateText(@TempDir Path dir) throws Exception {
        assumeTrue(Tokenizers.defaultAvailable(), "the built-in data is not set up (scripts/fetch-data.sh)");
        Path run = dir.resolve("run");
        Object[] r = TrainCommandTest.rat4j(TrainCommandTest.small(run));
        assertEquals(0, r[0], (String) r[1]);
        String sha = Tokenizers.loadDefault().hash();
        for (Path m : List.of(run.resolve("final"), run.resolve("checkpoints/step-0000004"))) {
            assertEquals(sha, ModelIO.tokenizer(m).orElseThrow().sha256(), m.toString());
        }
        JsonNode manifest = new ObjectMapper().readTree(run.resolve("checkpoints/step-0000004/manifest.json").toFile()).get("files");
        assertTrue(manifest.has(ModelIO.TOKENIZER_FILE) && manifest.has(ModelIO.TOKENIZER_INFO), manifest.toString());

        assertEquals(0, Rat4j.run(new String[]{"generate", "--model", run.resolve("final").toString(), "--prompt",
                "It is a truth universally acknowledged, that", "--max-new", "8"}), console.err());
        assertFalse(stdout().isBlank(), "text out");

        // Training further from that model with another tokenizer is refused before any work.
        Path initDir = dir.resolve("letters-model");
        assertEquals(0, Rat4j.run(new String[]{"init", "--config", "../configs/model/tiny-rat.yaml", "--out", initDir.toString(),
                "--tokenizer", "none"}));
        ModelIO.save(ModelIO.load(run.resolve("final"), DataType.FLOAT), initDir, ModelTokenizers.entry(Tokenizers.load(tokenizerFile(dir))));
        r = TrainCommandTest.rat4j(TrainCommandTest.small(dir.resolve("run2"), "train.init_from=" + initDir));
        assertEquals(2, r[0], (String) r[1]);
        assertTrue(((String) r[1]).contains("stores the tokenizer letters-286"), (String) r[1]);
    }
}
