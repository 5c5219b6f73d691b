package org.rat4j.data.tokenizer;

import org.junit.jupiter.api.Test;
import org.rat4j.config.ConfigException;
import org.rat4j.data.TestTokenizers;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The BPE algorithm on the tiny hand-made vocabulary of {@link TestTokenizers}; each expectation was worked out by
 * hand from the merge list (comments give the steps).
 */
class BpeTokenizerTest {
    private final Tokenizer tok = TestTokenizers.tiny();

    // ids of the tiny pieces
    static final int SP = 259, A = 260, B = 261, C = 262, E = 264, H = 265, L = 266, O = 267;
    static final int AB = 268, SP_A = 269, BC = 270, ABC = 271, SP_SP = 272, AA = 274, SP_HELLO = 279;

    @Test
    void lowestRankMergesFirst() {
        // [▁ a b c]: a+b (rank 0) beats ▁+a (rank 1) and b+c (rank 2); then ab+c (rank 3). ▁+ab has no merge.
        assertArrayEquals(new int[]{1, SP, ABC}, tok.encode("abc"));
        // [▁ b c]: only b+c
        assertArrayEquals(new int[]{1, SP, BC}, tok.encode("bc"));
    }

    @Test
    void equalRanksMergeLeftToRight() {
        // [▁ <0x0A> a a a]: both a+a pairs have rank 6; the left one merges first, leaving the last a alone.
        assertArrayEquals(new int[]{1, SP, 3 + 0x0A, AA, A}, tok.encode("\naaa"));
        // [▁ a a a]: ▁+a (rank 1) comes first, so a+a then merges the last two.
        assertArrayEquals(new int[]{1, SP_A, AA}, tok.encode("aaa"));
    }

    @Test
    void mergesChainAndCrossTheSpaceMark() {
        // h+e (8) waits for l+l (7); he+ll (9), hell+o (10), then ▁+hello (11) joins the space mark to the word.
        assertArrayEquals(new int[]{1, SP_HELLO}, tok.encode("hello"));
        // "  ab" gets the prefix: [▁ ▁ ▁ a b]. a+b (0) first; ▁+a is then stale; ▁+▁ (4) merges the left pair only.
        assertArrayEquals(new int[]{1, SP_SP, SP, AB}, tok.encode("  ab"));
    }

    @Test
    void byteFallbackForUnknownCharacters() {
        // é is not a piece: its UTF-8 bytes C3 A9 become <0xC3> <0xA9>, ids 3 + byte.
        assertArrayEquals(new int[]{1, SP, 3 + 0xC3, 3 + 0xA9}, tok.encode("é"));
        // the llama emoji has four UTF-8 bytes F0 9F A6 99
        assertArrayEquals(new int[]{1, SP, 3 + 0xF0, 3 + 0x9F, 3 + 0xA6, 3 + 0x99}, tok.encode("🦙"));
        // an unpaired surrogate has no UTF-8 form; it is encoded as U+FFFD (EF BF BD), as JavaScript's TextEncoder does
        assertArrayEquals(new int[]{1, SP, 3 + 0xEF, 3 + 0xBF, 3 + 0xBD}, tok.encode("\uD800"));
    }

    @Test
    void bosIsOptionalAndThePrefixSpaceStays() {
        assertArrayEquals(new int[]{SP, ABC}, tok.encode("abc", false));
        assertArrayEquals(new int[]{1}, tok.encode(""));
        assertArrayEquals(new int[]{}, tok.encode("", false));
    }

    @Test
    void decodeInvertsEncode() {
        for (String s : new String[]{"abc", "  ab", "hello hello", "\naaa", "é🦙", "x\ty\r\nz", " lead", "trail ", "日本"}) {
            assertEquals(s, tok.decode(tok.encode(s)), () -> "round trip of " + s);
            assertEquals(s, tok.decode(tok.encode(s, false)), () -> "round trip without BOS of " + s);
        }
    }

    @Test
    void decodeDropsControlTokensAndJoinsBytes() {
        assertEquals("é", tok.decode(new int[]{1, SP, 3 + 0xC3, 3 + 0xA9, 2}));
        assertEquals("hello abc", tok.decode(new int[]{SP_HELLO, SP, ABC}));
        assertEquals("a ⁇ b", tok.decode(new int[]{A, 0, B})); // <unk> reads " ⁇ ", as in SentencePiece
        ConfigException e = assertThrows(ConfigException.class, () -> tok.decode(new int[]{1, 5000}));
        assertTrue(e.getMessage().contains("5000"));
    }

    @Test
    void describesItself() {
        assertEquals("tiny-test", tok.id());
        assertEquals(280, tok.vocabSize());
        assertEquals(1, tok.bosId());
        assertEquals(2, tok.eosId());
        assertEquals("▁hello", tok.piece(SP_HELLO));
        assertEquals(64, tok.hash().length());
    }

    @Test
    void mergeToUnknownPieceIsRejected() {
        TokenizerModel bad = new TokenizerModel("bad", TestTokenizers.basePieces(), new int[]{3}, new int[]{4}, 0, 1, 2, true,
                java.util.Map.of());
        ConfigException e = assertThrows(ConfigException.class, () -> new BpeTokenizer(bad, "x"));
        assertTrue(e.getMessage().contains("not in the vocabulary"), e.getMessage());
    }

    @Test
    void longInputIsEncodedLikeItsParts() {
        // A newline is a byte piece that takes part in no merge, so text on either side tokenizes independently.
        String para = "hello abc  ab aaa bc ";
        StringBuilder doc = new StringBuilder();
        for (int i = 0; i < 2000; i++) doc.append(para).append('\n');
        int[] whole = tok.encode(doc.toString(), false);
        int[] first = tok.encode(para, false);
        int[] rest = tok.encode("x" + para, false); // a line after a newline has no prefix space
        assertEquals(first.length + 1 + 1999 * (rest.length - 2 + 1), whole.length);
        assertEquals(doc.toString(), tok.decode(whole));
    }
}
