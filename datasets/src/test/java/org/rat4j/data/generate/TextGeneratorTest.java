package org.rat4j.data.generate;

import org.rat4j.attention.AttentionConfig;
import org.rat4j.rat.RatConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.rat4j.config.ConfigException;
import org.rat4j.block.MixerConfig;
import org.rat4j.model.ModelConfig;
import org.rat4j.cli.LogCapture;
import org.rat4j.data.TestTokenizers;
import org.rat4j.data.tokenizer.ModelTokenizers;
import org.rat4j.data.tokenizer.Tokenizer;
import org.rat4j.data.tokenizer.Tokenizers;
import org.rat4j.decode.FinishReason;
import org.rat4j.decode.Generator;
import org.rat4j.decode.GenerationSettings;
import org.rat4j.decode.SamplingConfig;
import org.rat4j.io.ModelIO;
import org.rat4j.io.TokenizerEntry;
import org.rat4j.model.RatLanguageModel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Text generation from a tiny model built here and saved with the tiny test tokenizer (280 ids): text out, streaming,
 * stop strings, middle truncation, prompt files, and the model folder's tokenizer rules.
 */
class TextGeneratorTest {
    private static final Tokenizer TOK = TestTokenizers.tiny();
    private static final ModelConfig CONFIG = ModelConfig.of(TOK.vocabSize(), 16, 2, 4, 32, RatConfig.of(4, 2));
    private static final RatLanguageModel MODEL = RatLanguageModel.initialize(CONFIG, 3, DataType.DOUBLE);
    /** No EOS stop, so every run uses its whole budget whatever the random weights prefer. */
    private static final GenerationSettings GREEDY = GenerationSettings.of(12, SamplingConfig.greedy()).withStopAtEos(false);

    /** The continuation's text as the definition says: decode(prompt + new) less decode(prompt). */
    private static String continuation(int[] prompt, int[] generated) {
        String all = TOK.decode(Generator.concat(prompt, generated));
        String head = TOK.decode(prompt);
        assertTrue(all.startsWith(head), all + " / " + head);
        return all.substring(head.length());
    }

    @Test
    void aSavedModelWithItsTokenizerTurnsTextIntoText(@TempDir Path dir) throws Exception {
        RatLanguageModel floatModel = RatLanguageModel.initialize(CONFIG, 3, DataType.FLOAT);
        assertEquals(List.of(ModelIO.TOKENIZER_FILE, ModelIO.TOKENIZER_INFO, ModelIO.WEIGHTS, ModelIO.CONFIG),
                ModelTokenizers.save(floatModel, TOK, dir));
        // Only the folder is needed: the tokenizer comes back from its copy, same bytes, same ids.
        RatLanguageModel model = ModelIO.load(dir, DataType.FLOAT);
        Tokenizer tok = ModelTokenizers.of(dir, model.config());
        assertEquals(TOK.hash(), tok.hash());
        assertEquals(dir.resolve(ModelIO.TOKENIZER_FILE).toAbsolutePath().normalize(), tok.file());
        TextGenerator gen = new TextGenerator(model, tok);
        TextGenerator.Result r = gen.generate(List.of("hello abc"), TextGenerator.Settings.of(GREEDY), TextGenerator.TextListener.NONE).get(0);
        assertEquals("hello abc", r.promptText());
        assertArrayEquals(TOK.encode("hello abc"), r.promptIds());
        assertEquals(12, r.tokens().length);
        assertEquals(FinishReason.LENGTH, r.finish());
        assertFalse(r.text().isEmpty());
        assertEquals(continuation(r.promptIds(), r.tokens()), r.text());
        // The tokens are the core generator's.
        assertArrayEquals(new Generator(model).generate(List.of(r.promptIds()), 12, SamplingConfig.greedy(), false).get(0), r.tokens());
    }

    @Test
    void streamingGivesEveryPieceOnceAndEqualsTheBatchResult() {
        TextGenerator gen = new TextGenerator(MODEL, TOK);
        List<String> prompts = List.of("hello", "abc abc", "é");
        List<List<String>> pieces = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        FinishReason[] finished = new FinishReason[3];
        List<TextGenerator.Result> batch = gen.generate(prompts, TextGenerator.Settings.of(GREEDY), new TextGenerator.TextListener() {
            @Override
            public void onText(int sequence, String text) {
                assertFalse(text.isEmpty());
                assertNull(finished[sequence], "text after the finish");
                pieces.get(sequence).add(text);
            }

            @Override
            public void onFinish(int sequence, FinishReason reason) {
                finished[sequence] = reason;
            }
        });
        for (int b = 0; b < 3; b++) {
            assertEquals(batch.get(b).text(), String.join("", pieces.get(b)), "sequence " + b);
            assertEquals(batch.get(b).finish(), finished[b]);
            assertEquals(continuation(batch.get(b).promptIds(), batch.get(b).tokens()), batch.get(b).text());
            // One prompt alone streams the same text as in the batch.
            StringBuilder alone = new StringBuilder();
            TextGenerator.Result single = gen.generate(List.of(prompts.get(b)), TextGenerator.Settings.of(GREEDY),
                    (sequence, text) -> alone.append(text)).get(0);
            assertArrayEquals(batch.get(b).tokens(), single.tokens(), "sequence " + b);
            assertEquals(batch.get(b).text(), alone.toString());
        }
    }

    @Test
    void stopStringsCutTheTextAlsoAcrossTokenBoundaries() {
        TextGenerator gen = new TextGenerator(MODEL, TOK);
        List<String> pieces = new ArrayList<>();
        TextGenerator.Result free = gen.generate(List.of("hello"), TextGenerator.Settings.of(GREEDY), (s, t) -> pieces.add(t)).get(0);
        // A stop string made of the last character of one piece and the first of the next: it spans a token boundary.
        int boundary = -1;
        int pos = 0;
        for (int i = 0; i + 1 < pieces.size() && boundary < 0; i++) {
            pos += pieces.get(i).length();
            if (pos >= 1) boundary = pos;
        }
        assertTrue(boundary > 0 && boundary < free.text().length(), "the free run has at least two pieces: " + pieces);
        String stop = free.text().substring(boundary - 1, boundary + 1);
        String want = free.text().substring(0, free.text().indexOf(stop));
        List<String> streamed = new ArrayList<>();
        TextGenerator.Result cut = gen.generate(List.of("hello"), new TextGenerator.Settings(GREEDY, List.of("\u0000never", stop), 0),
                (s, t) -> streamed.add(t)).get(0);
        assertEquals(want, cut.text());
        assertEquals(want, String.join("", streamed));
        assertEquals(FinishReason.STOP, cut.finish());
        // Generation ended at the token that completed the stop string: a prefix of the free run's tokens.
        assertTrue(cut.tokens().length < free.tokens().length);
        assertArrayEquals(Arrays.copyOf(free.tokens(), cut.tokens().length), cut.tokens());
        assertTrue(continuation(cut.promptIds(), cut.tokens()).contains(stop));
        assertFalse(continuation(cut.promptIds(), Arrays.copyOf(cut.tokens(), cut.tokens().length - 1)).contains(stop));
    }

    @Test
    void longPromptsKeepTheirFirstAndLastHalves() {
        TextGenerator gen = new TextGenerator(MODEL, TOK);
        // seq_len 32 with 12 new tokens leaves 20 prompt tokens: the first 10 (BOS included) and the last 10.
        assertEquals(20, gen.defaultPromptBudget(12));
        assertEquals(32, gen.defaultPromptBudget(32), "past seq_len the prompt keeps up to seq_len");
        String prompt = "hello abc ".repeat(8) + "é".repeat(6);
        int[] full = TOK.encode(prompt, true);
        assertTrue(full.length > 20, "the prompt must be long: " + full.length);
        TextGenerator.Result r = gen.generate(List.of(prompt), TextGenerator.Settings.of(GREEDY), TextGenerator.TextListener.NONE).get(0);
        assertTrue(r.truncated());
        int[] want = new int[20];
        System.arraycopy(full, 0, want, 0, 10);
        System.arraycopy(full, full.length - 10, want, 10, 10);
        assertArrayEquals(want, r.promptIds());
        assertTrue(r.promptText().startsWith("hello abc hello"), r.promptText());
        assertTrue(r.promptText().endsWith("ééé"), r.promptText());
        // An explicit budget wins; a short prompt is left alone.
        TextGenerator.Result b8 = gen.generate(List.of(prompt), new TextGenerator.Settings(GREEDY, List.of(), 8), TextGenerator.TextListener.NONE).get(0);
        assertArrayEquals(new int[]{full[0], full[1], full[2], full[3], full[full.length - 4], full[full.length - 3],
                full[full.length - 2], full[full.length - 1]}, b8.promptIds());
        assertFalse(gen.generate(List.of("abc"), TextGenerator.Settings.of(GREEDY), TextGenerator.TextListener.NONE).get(0).truncated());
    }

    @Test
    void promptFilesRoundTrip(@TempDir Path dir) throws Exception {
        TextGenerator gen = new TextGenerator(MODEL, TOK);
        Path in = dir.resolve("in.jsonl");
        Files.writeString(in, "{\"prompt\": \"hello\", \"answers\": [\"x\"]}\n\n{\"prompt\": \"abc \\u00e9\"}\n{\"prompt\": \"\"}\n");
        Path out = dir.resolve("out.jsonl");
        List<Integer> progress = new ArrayList<>();
        PromptFile.generate(gen, PromptFile.read(in), out, TextGenerator.Settings.of(GREEDY), 2, progress::add);
        assertEquals(List.of(2, 3), progress);
        List<String> lines = Files.readAllLines(out);
        assertEquals(3, lines.size());
        List<String> prompts = List.of("hello", "abc é", "");
        for (int i = 0; i < 3; i++) {
            JsonNode row = new ObjectMapper().readTree(lines.get(i));
            assertEquals(List.of("prompt", "pred", "tokens", "finish"), iterate(row));
            TextGenerator.Result alone = gen.generate(List.of(prompts.get(i)), TextGenerator.Settings.of(GREEDY),
                    TextGenerator.TextListener.NONE).get(0);
            assertEquals(prompts.get(i), row.get("prompt").asText());
            assertEquals(alone.text(), row.get("pred").asText());
            int[] tokens = new int[row.get("tokens").size()];
            for (int t = 0; t < tokens.length; t++) tokens[t] = row.get("tokens").get(t).asInt();
            assertArrayEquals(alone.tokens(), tokens);
            assertEquals("length", row.get("finish").asText());
        }
        assertEquals(prompts, PromptFile.read(out), "the output is itself a prompt file");

        // Bad input is one error naming the line, and no output appears.
        Files.writeString(in, "{\"prompt\": \"ok\"}\n{\"text\": \"no prompt\"}\n");
        Path out2 = dir.resolve("out2.jsonl");
        ConfigException e = assertThrows(ConfigException.class, () -> PromptFile.read(in));
        assertTrue(e.getMessage().contains("line 2: no \"prompt\" field"), e.getMessage());
        assertTrue(assertThrows(ConfigException.class, () -> PromptFile.generate(gen, List.of("a"), dir, TextGenerator.Settings.of(GREEDY), 1, n -> { }))
                .getMessage().contains("is a directory"));
        // A failure in the second batch (its prompt has id 271, past this model's 270 ids) leaves no output at all.
        TextGenerator narrow = new TextGenerator(RatLanguageModel.initialize(ModelConfig.of(270, 16, 1, 4, 32, AttentionConfig.full()),
                1, DataType.FLOAT), TOK);
        List<Integer> done = new ArrayList<>();
        e = assertThrows(ConfigException.class, () -> PromptFile.generate(narrow, List.of("a", "abc"), out2,
                TextGenerator.Settings.of(GREEDY), 1, done::add));
        assertTrue(e.getMessage().contains("271"), e.getMessage());
        assertEquals(List.of(1), done, "the first batch was written before the failure");
        assertFalse(Files.exists(out2));
        try (var s = Files.list(dir)) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList(), "no temporary files left");
        }
    }

    @Test
    void aTokenizerThatDoesNotFitTheModelIsOneClearError(@TempDir Path dir) throws Exception {
        ModelConfig small = ModelConfig.of(64, 16, 1, 4, 32, AttentionConfig.full());
        RatLanguageModel m = RatLanguageModel.initialize(small, 1, DataType.FLOAT);
        ConfigException e = assertThrows(ConfigException.class, () -> ModelTokenizers.save(m, TOK, dir.resolve("refused")));
        assertTrue(e.getMessage().contains("the tokenizer tiny-test has 280 ids but the model being saved has vocab_size 64"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("refused").resolve(ModelIO.WEIGHTS)));
        // A folder that pairs them anyway (written through the core alone) is refused on load, naming both.
        Path folder = dir.resolve("paired");
        ModelIO.save(m, folder, ModelTokenizers.entry(TOK));
        e = assertThrows(ConfigException.class, () -> ModelTokenizers.of(folder, ModelIO.load(folder, DataType.FLOAT).config()));
        assertEquals("the tokenizer tiny-test has 280 ids but the model in " + folder + " (tokenizer: stored with the model) has "
                + "vocab_size 64; pass --tokenizer with the tokenizer the model was trained with", e.getMessage());
        // Another EOS id is refused too.
        ModelConfig otherEos = new ModelConfig(TOK.vocabSize(), 16, 1, 4, 32, true, 0.02, 1e-6, 4, 1, AttentionConfig.full(), null, 0);
        e = assertThrows(ConfigException.class, () -> ModelTokenizers.requireCompatible(TOK, otherEos, "this model", "fix it"));
        assertTrue(e.getMessage().contains("EOS id is 2 but this model has eos_token_id 0; fix it"), e.getMessage());
    }

    @Test
    void aFolderWithoutATokenizerFallsBackToTheDefaultWithAWarning(@TempDir Path dir) throws Exception {
        ModelIO.save(RatLanguageModel.initialize(CONFIG, 3, DataType.FLOAT), dir);        // as rat4j wrote folders before
        String old = System.getProperty(Tokenizers.FILE_PROPERTY);
        System.setProperty(Tokenizers.FILE_PROPERTY, TOK.file().toString());                // the default tokenizer: the tiny one
        try (LogCapture log = new LogCapture()) {
            Tokenizer t = ModelTokenizers.of(dir, CONFIG);
            assertEquals(TOK.hash(), t.hash());
            assertTrue(log.warned(dir + " stores no tokenizer"), log.warnings().toString());
        } finally {
            if (old == null) System.clearProperty(Tokenizers.FILE_PROPERTY);
            else System.setProperty(Tokenizers.FILE_PROPERTY, old);
        }
        // --tokenizer names one explicitly, without the warning.
        try (LogCapture log = new LogCapture()) {
            assertEquals(TOK.hash(), ModelTokenizers.of(dir, CONFIG, TOK.file().toString()).hash());
            assertFalse(log.warned("stores no tokenizer"));
        }
    }

    @Test
    void gpt2IsStoredAsAChecksummedReference(@TempDir Path dir) throws Exception {
        Tokenizer gpt2 = org.rat4j.data.tokenizer.Gpt2Tokenizer.get();
        ModelConfig c = new ModelConfig(gpt2.vocabSize(), 8, 1, 2, 16, true, 0.02, 1e-6, 4, 1, AttentionConfig.full(), null, gpt2.eosId());
        ModelTokenizers.save(RatLanguageModel.initialize(c, 1, DataType.FLOAT), gpt2, dir);
        assertFalse(Files.exists(dir.resolve(ModelIO.TOKENIZER_FILE)));
        assertEquals(TokenizerEntry.ofBuiltin(gpt2.id(), gpt2.hash(), "gpt2"), ModelIO.tokenizer(dir).orElseThrow());
        assertSame(gpt2, ModelTokenizers.of(dir, c));
        // A reference whose checksum differs (another jtokkit table) is refused.
        Files.writeString(dir.resolve(ModelIO.TOKENIZER_INFO), Files.readString(dir.resolve(ModelIO.TOKENIZER_INFO)).replace(gpt2.hash(), "0".repeat(64)));
        assertTrue(assertThrows(ConfigException.class, () -> ModelTokenizers.of(dir, c)).getMessage().contains("the ids would differ"));
    }

    private static List<String> iterate(JsonNode row) {
        List<String> names = new ArrayList<>();
        row.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
