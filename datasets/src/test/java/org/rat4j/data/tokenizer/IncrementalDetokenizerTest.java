package org.rat4j.data.tokenizer;

import org.junit.jupiter.api.Test;
import org.rat4j.data.TestTokenizers;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/** Streaming decode gives complete UTF-8 only and, concatenated, exactly what decode gives. */
class IncrementalDetokenizerTest {
    private final Tokenizer tiny = TestTokenizers.tiny();
    static final int SP = 259, ABC = 271, SP_HELLO = 279;

    private static int bytePiece(int b) {
        return 3 + b;                           // <0x00> is id 3 in the tiny vocabulary
    }

    @Test
    void aCharacterSplitOverByteTokensAppearsWhenComplete() {
        IncrementalDetokenizer d = new IncrementalDetokenizer(tiny);
        assertEquals("", d.push(1));                        // BOS has no text
        assertEquals("", d.push(bytePiece(0xE2)));          // — is E2 80 94
        assertEquals("", d.push(bytePiece(0x80)));
        assertEquals("\u2014", d.push(bytePiece(0x94)));
        assertEquals("abc", d.push(ABC));
        assertEquals("", d.push(bytePiece(0xF0)));          // 🦙 is F0 9F A6 99, cut short by the end of the stream
        assertEquals("", d.push(bytePiece(0x9F)));
        assertEquals("\uFFFD", d.finish());                  // as decode: one U+FFFD for the incomplete sequence
        assertEquals("\u2014abc\uFFFD", tiny.decode(new int[]{1, bytePiece(0xE2), bytePiece(0x80), bytePiece(0x94), ABC,
                bytePiece(0xF0), bytePiece(0x9F)}));
    }

    @Test
    void theDummyPrefixSpaceGoesOnlyAtTheStartOfTheText() {
        IncrementalDetokenizer alone = new IncrementalDetokenizer(tiny);
        assertEquals("hello", alone.push(new int[]{1, SP_HELLO}));          // ▁hello at the start: the prefix space goes
        assertEquals(" abc", alone.push(new int[]{SP, ABC}));               // later, ▁ is a real space
        IncrementalDetokenizer afterEmpty = new IncrementalDetokenizer(tiny);
        assertEquals("", afterEmpty.push(new int[]{1, SP}));                // a space alone at the start goes too
        assertEquals("abc", afterEmpty.push(ABC));
        assertEquals(tiny.decode(new int[]{1, SP, ABC}), "abc");
    }

    @Test
    void concatenationEqualsDecodeForRandomStreams() {
        SplittableRandom r = new SplittableRandom(7);
        List<Tokenizer> tokenizers = new ArrayList<>(List.of(tiny, Gpt2Tokenizer.get()));
        if (Tokenizers.defaultAvailable()) tokenizers.add(Tokenizers.loadDefault());
        for (Tokenizer t : tokenizers) {
            for (int trial = 0; trial < 300; trial++) {
                int[] ids = new int[r.nextInt(1, 30)];
                // Mostly ids near the byte pieces (malformed and split UTF-8), some from anywhere in the vocabulary.
                for (int i = 0; i < ids.length; i++) ids[i] = r.nextInt(4) == 0 ? r.nextInt(t.vocabSize()) : r.nextInt(Math.min(300, t.vocabSize()));
                IncrementalDetokenizer d = new IncrementalDetokenizer(t);
                StringBuilder sb = new StringBuilder();
                for (int id : ids) sb.append(d.push(id));
                sb.append(d.finish());
                assertEquals(t.decode(ids), sb.toString(), () -> t.id() + " " + java.util.Arrays.toString(ids));
            }
        }
    }

    @Test
    void realTextSplitAtEveryTokenStreamsBackUnchanged() {
        String text = "Naïve café — 日本語 🦙 emoji, tabs\tand\nnewlines  double  spaces";
        List<Tokenizer> tokenizers = new ArrayList<>(List.of(tiny, Gpt2Tokenizer.get()));
        if (Tokenizers.defaultAvailable()) tokenizers.add(Tokenizers.loadDefault());
        for (Tokenizer t : tokenizers) {
            int[] ids = t.encode(text, true);
            IncrementalDetokenizer d = new IncrementalDetokenizer(t);
            StringBuilder sb = new StringBuilder();
            for (int id : ids) {
                String piece = d.push(id);
                // Only whole characters come out: no unpaired surrogate, no replacement character.
                assertFalse(piece.contains("\uFFFD"), t.id() + ": " + piece);
                if (!piece.isEmpty()) assertFalse(Character.isHighSurrogate(piece.charAt(piece.length() - 1)), t.id());
                sb.append(piece);
            }
            sb.append(d.finish());
            assertEquals(text, sb.toString(), t.id());
        }
    }
}
