package org.rat4j.data.tokenizer;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** GPT-2's BPE (jtokkit r50k_base): the published ids, lossless round trips, and the special token. */
class Gpt2TokenizerTest {
    private final Tokenizer gpt2 = Tokenizers.resolve("gpt2");

    @Test
    void idsEqualGpt2s() {
        assertArrayEquals(new int[]{15496, 995, 0}, gpt2.encode("Hello world!", false));
        assertArrayEquals(new int[]{50256, 464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13},
                gpt2.encode("The quick brown fox jumps over the lazy dog."));
        assertEquals(50257, gpt2.vocabSize());
        assertEquals(50256, gpt2.eosId());
        assertEquals(gpt2.eosId(), gpt2.bosId());
        assertEquals("▁world", gpt2.piece(995));
        assertEquals("<|endoftext|>", gpt2.piece(50256));
    }

    @Test
    void decodeInvertsEncodeForAnyText() {
        for (String s : List.of("", " ", "  leading and   inner   runs\t\ttabs\n\nnewlines ", " naïve café 日本語のテキスト",
                "emoji 🙂👍🏽 and symbols ∑∫√ ≠ ≤", "digits 1234567890 3.14159 -42", "a literal <|endoftext|> stays text")) {
            int[] ids = gpt2.encode(s);
            assertEquals(s, gpt2.decode(ids), s);
            for (int i = 1; i < ids.length; i++) assertNotEquals(gpt2.eosId(), ids[i], "ordinary text never yields the special id");
        }
    }

    @Test
    void idsOutsideTheVocabularyAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> gpt2.decode(new int[]{1, 50257}));
        assertTrue(e.getMessage().contains("50257"), e.getMessage());
    }

    @Test
    void hashIdentifiesTheRankTable() {
        assertTrue(gpt2.hash().matches("[0-9a-f]{64}"), gpt2.hash());
        assertNotEquals(gpt2.id(), "llama2-32000");
        assertSame(gpt2, Tokenizers.resolve("gpt2"));
    }
}
