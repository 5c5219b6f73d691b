package org.rat4j.data.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.rat4j.data.TestTokenizers;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The real LLaMA-2 tokenizer against ids produced by the reference JavaScript tokenizer (llama-tokenizer-js 1.2.2,
 * run with node by scripts/data/llama-reference-ids.mjs): 875 texts of English prose, punctuation, digits,
 * whitespace runs, tabs and newlines, emoji, CJK, accented and random Unicode. Skipped without set-up data.
 */
class LlamaGoldenTest {
    /** SHA-256 of data/tokenizer/llama2.tokenizer as scripts/fetch-data.sh writes it. */
    static final String LLAMA2_FILE_SHA256 = "01f62f36106eed47c13aaf6072fad37cf89b5e231177491f8f8ec02d361c0ba3";

    @Test
    void issueExamples() {
        Tokenizer t = TestTokenizers.llamaOrSkip();
        assertArrayEquals(new int[]{1, 15043, 3186, 29991}, t.encode("Hello world!"));
        assertArrayEquals(new int[]{1, 450, 4996, 17354, 1701, 29916, 432, 17204, 975, 278, 17366, 11203, 29889},
                t.encode("The quick brown fox jumps over the lazy dog."));
        assertArrayEquals(new int[]{1, 29871, 1055, 30085, 345, 274, 28059, 29871, 30325, 30346}, t.encode(" naïve café 日本"));
        assertEquals("llama2-32000", t.id());
        assertEquals(32000, t.vocabSize());
        assertEquals(LLAMA2_FILE_SHA256, t.hash());
    }

    @Test
    void matchesReferenceIdsAndRoundTrips() throws Exception {
        Tokenizer t = TestTokenizers.llamaOrSkip();
        ObjectMapper json = new ObjectMapper();
        int n = 0;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(Objects.requireNonNull(
                getClass().getResourceAsStream("/tokenizer/llama2-golden.jsonl")), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                JsonNode node = json.readTree(line);
                String text = node.get("text").asText();
                int[] expected = json.treeToValue(node.get("ids"), int[].class);
                int[] actual = t.encode(text);
                assertArrayEquals(expected, actual, "ids of " + json.writeValueAsString(text));
                // U+2581 is the space mark itself, so it decodes as a space (as in SentencePiece)
                assertEquals(text.replace('\u2581', ' '), t.decode(actual), "decode of " + json.writeValueAsString(text));
                n++;
            }
        }
        assertEquals(875, n);
    }
}
