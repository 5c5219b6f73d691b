package org.rat4j.data.sft;

import org.junit.jupiter.api.Test;
import org.rat4j.config.ConfigException;
import org.rat4j.data.TestTokenizers;
import org.rat4j.data.tokenizer.Tokenizer;
import org.rat4j.model.TokenBatch;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Expectations use the tiny vocabulary: encode("abc") = [1, ▁=259, abc=271], encode("bc", no BOS) = [259, bc=270]. */
class SftCollatorTest {
    private static final int X = TokenBatch.IGNORE;
    private final Tokenizer tok = TestTokenizers.tiny();

    @Test
    void paddedRowLearnsOnlyTheResponseAndEos() {
        SftCollator c = new SftCollator(tok, 8, 6, false);
        List<SftSequence> rows = c.collate(List.of(new SftExample("abc", "bc")));
        // s = [1 259 271 | 259 270 2]; inputs s[0..4] + EOS padding; targets s[1..5] with the prompt ones ignored
        assertArrayEquals(new int[]{1, 259, 271, 259, 270, 2, 2, 2}, rows.get(0).inputs());
        assertArrayEquals(new int[]{X, X, 259, 270, 2, X, X, X}, rows.get(0).targets());
        assertEquals(3, rows.get(0).learnedTokens());
        assertEquals(new SftCollator.Stats(1, 1, 0, 0, 3), c.stats());
    }

    @Test
    void packingPutsExamplesSideBySide() {
        // ("a", "b") is [1 ▁a=269 | 259 b=261 2]: 5 tokens, two fit in T + 1 = 11
        SftCollator packed = new SftCollator(tok, 10, 5, true);
        List<SftSequence> rows = packed.collate(List.of(new SftExample("a", "b"), new SftExample("a", "b"), new SftExample("a", "b")));
        assertEquals(2, rows.size());
        assertArrayEquals(new int[]{1, 269, 259, 261, 2, 1, 269, 259, 261, 2}, rows.get(0).inputs());
        assertArrayEquals(new int[]{X, 259, 261, 2, X, X, 259, 261, 2, X}, rows.get(0).targets());
        assertEquals(2, rows.get(0).examples());
        assertEquals(1, rows.get(1).examples());
        // the model's EOS rule ignores the target after each EOS; it is a prompt token here anyway
        TokenBatch b = new TokenBatch(new int[][]{rows.get(0).inputs()}, new int[][]{rows.get(0).targets()});
        assertEquals(6, b.countedTargets(2));

        SftCollator padded = new SftCollator(tok, 10, 5, false);
        assertEquals(3, padded.collate(List.of(new SftExample("a", "b"), new SftExample("a", "b"), new SftExample("a", "b"))).size());
    }

    @Test
    void longPromptsLoseTheirMiddle() {
        // "hello" x4 is [1, ▁hello=279 x4]; a budget of 3 keeps BOS and the last two
        SftCollator c = new SftCollator(tok, 8, 3, false);
        SftCollator.EncodedExample e = c.encode(new SftExample("hello hello hello hello", "bc"));
        assertArrayEquals(new int[]{1, 279, 279, 259, 270, 2}, e.tokens());
        assertEquals(3, e.promptLength());
        assertTrue(e.promptTruncated());
        assertFalse(e.responseTruncated());
    }

    @Test
    void longResponsesAreCutToTheRow() {
        // prompt [1 259 271] -> budget 2 -> [1 271]; response [279 279 279 2]; T + 1 = 5 tokens fit
        SftCollator c = new SftCollator(tok, 4, 2, false);
        List<SftSequence> rows = c.collate(List.of(new SftExample("abc", "hello hello hello")));
        assertArrayEquals(new int[]{1, 271, 279, 279}, rows.get(0).inputs());
        assertArrayEquals(new int[]{X, 279, 279, 279}, rows.get(0).targets());
        assertEquals(1, c.stats().truncatedResponses());
        assertEquals(1, c.stats().truncatedPrompts());
    }

    @Test
    void budgetMustLeaveRoomForAResponse() {
        assertThrows(ConfigException.class, () -> new SftCollator(tok, 8, 8, false));
        assertThrows(ConfigException.class, () -> new SftCollator(tok, 8, 0, false));
    }

    @Test
    void middleTruncationKeepsHeadAndTail() {
        int[] ids = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertArrayEquals(new int[]{1, 2, 9, 10}, MiddleTruncation.truncate(ids, 4));
        assertArrayEquals(new int[]{1, 2, 8, 9, 10}, MiddleTruncation.truncate(ids, 5));
        assertSame(ids, MiddleTruncation.truncate(ids, 10));
        assertArrayEquals(new int[]{}, MiddleTruncation.truncate(ids, 0));
    }
}
