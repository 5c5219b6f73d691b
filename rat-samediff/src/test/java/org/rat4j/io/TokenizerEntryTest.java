package org.rat4j.io;

import org.rat4j.rat.RatConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.rat4j.TestModels;
import org.rat4j.config.ConfigException;
import org.rat4j.block.MixerConfig;
import org.rat4j.model.RatLanguageModel;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The tokenizer entry of a model directory as the core handles it: bytes copied, checksums verified. */
class TokenizerEntryTest {
    private static final RatLanguageModel MODEL = RatLanguageModel.initialize(TestModels.of(RatConfig.of(4, 2)), 1, DataType.FLOAT);
    // SHA-256 of the ASCII bytes "tok\n", computed with sha256sum.
    private static final String TOK_SHA = "75c76cabaf6d2660fc8ca59c054baba2b7884b02eac4d687ef2a6d855ea67146";

    @Test
    void aTokenizerFileIsCopiedAndVerified(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("my.tokenizer");
        Files.writeString(src, "tok\n");
        String sha = Checksums.sha256(src);
        assertEquals(TOK_SHA, sha);
        assertEquals(TOK_SHA, Checksums.sha256(new java.io.ByteArrayInputStream("tok\n".getBytes(StandardCharsets.US_ASCII))));
        Path model = dir.resolve("model");
        List<String> written = ModelIO.save(MODEL, model, TokenizerEntry.ofFile("tiny", sha, src));
        assertEquals(List.of(ModelIO.TOKENIZER_FILE, ModelIO.TOKENIZER_INFO, ModelIO.WEIGHTS, ModelIO.CONFIG), written);
        assertEquals("tok\n", Files.readString(model.resolve(ModelIO.TOKENIZER_FILE)));
        JsonNode info = new ObjectMapper().readTree(model.resolve(ModelIO.TOKENIZER_INFO).toFile());
        assertEquals("tiny", info.get("id").asText());
        assertEquals(sha, info.get("sha256").asText());
        assertEquals(ModelIO.TOKENIZER_FILE, info.get("file").asText());

        TokenizerEntry back = ModelIO.tokenizer(model).orElseThrow();
        assertEquals(TokenizerEntry.ofFile("tiny", sha, model.resolve(ModelIO.TOKENIZER_FILE)), back);

        // A damaged copy is named, and so is a missing one.
        Files.writeString(model.resolve(ModelIO.TOKENIZER_FILE), "tok!\n");
        ConfigException e = assertThrows(ConfigException.class, () -> ModelIO.tokenizer(model));
        assertTrue(e.getMessage().contains("does not match the SHA-256"), e.getMessage());
        Files.delete(model.resolve(ModelIO.TOKENIZER_FILE));
        e = assertThrows(ConfigException.class, () -> ModelIO.tokenizer(model));
        assertTrue(e.getMessage().contains("copy the whole model directory"), e.getMessage());
    }

    @Test
    void aFileChangedSinceItWasLoadedIsNotStored(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("my.tokenizer");
        Files.writeString(src, "tok\n");
        String sha = Checksums.sha256(src);
        Files.writeString(src, "changed\n");
        Path model = dir.resolve("model");
        ConfigException e = assertThrows(ConfigException.class, () -> ModelIO.save(MODEL, model, TokenizerEntry.ofFile("tiny", sha, src)));
        assertTrue(e.getMessage().contains("changed since tokenizer tiny was loaded"), e.getMessage());
        try (Stream<Path> s = Files.list(model)) {
            assertEquals(List.of(), s.toList(), "nothing half-written is left");
        }
    }

    @Test
    void aBuiltinIsAReferenceAndSavingWithoutATokenizerRemovesAStaleOne(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("my.tokenizer");
        Files.writeString(src, "tok\n");
        Path model = dir.resolve("model");
        ModelIO.save(MODEL, model, TokenizerEntry.ofFile("tiny", Checksums.sha256(src), src));
        String sha = "ab".repeat(32);
        List<String> written = ModelIO.save(MODEL, model, TokenizerEntry.ofBuiltin("gpt2-r50k_base", sha, "gpt2"));
        assertEquals(List.of(ModelIO.TOKENIZER_INFO, ModelIO.WEIGHTS, ModelIO.CONFIG), written);
        assertFalse(Files.exists(model.resolve(ModelIO.TOKENIZER_FILE)), "the old tokenizer copy is gone");
        assertEquals(TokenizerEntry.ofBuiltin("gpt2-r50k_base", sha, "gpt2"), ModelIO.tokenizer(model).orElseThrow());

        ModelIO.save(MODEL, model);
        assertTrue(ModelIO.tokenizer(model).isEmpty());
        assertFalse(Files.exists(model.resolve(ModelIO.TOKENIZER_INFO)));
        assertNotNull(ModelIO.load(model, DataType.FLOAT));
    }

    @Test
    void badEntriesAreOneClearError(@TempDir Path dir) throws Exception {
        ModelIO.save(MODEL, dir);
        Path info = dir.resolve(ModelIO.TOKENIZER_INFO);
        Files.writeString(info, "{\"format\": \"rat4j-tokenizer-entry\", \"version\": 1, \"id\": \"x\", \"sha256\": \"12\", \"builtin\": \"gpt2\"}");
        assertTrue(assertThrows(ConfigException.class, () -> ModelIO.tokenizer(dir)).getMessage().contains("is not a SHA-256"));
        Files.writeString(info, "{\"format\": \"rat4j-tokenizer-entry\", \"version\": 1, \"id\": \"x\", \"sha256\": \"" + "0".repeat(64)
                + "\", \"file\": \"../../etc/passwd\"}");
        assertTrue(assertThrows(ConfigException.class, () -> ModelIO.tokenizer(dir)).getMessage().contains("rat4j stores it as tokenizer.rat4j"));
        Files.writeString(info, "[1, 2]");
        assertTrue(assertThrows(ConfigException.class, () -> ModelIO.tokenizer(dir)).getMessage().contains("is not a rat4j tokenizer entry"));
        Files.writeString(info, "{\"format\": \"rat4j-tokenizer-entry\", \"version\": 2}");
        assertTrue(assertThrows(ConfigException.class, () -> ModelIO.tokenizer(dir)).getMessage().contains("this rat4j reads version 1"));
        Files.writeString(info, "{oops");
        assertTrue(assertThrows(ConfigException.class, () -> ModelIO.tokenizer(dir)).getMessage().contains("is not readable JSON"));
    }
}
