package org.rat4j.data.tokenizer;

import org.junit.jupiter.api.Test;
import org.rat4j.data.TestTokenizers;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The fast heap-based BPE against the textbook definition (repeatedly merge the adjacent pair with the lowest
 * rank, leftmost first), on random vocabularies and random texts with spaces, newlines and byte-fallback
 * characters.
 */
class BpeMatchesNaiveBpeTest {
    private static final String ALPHABET = "▁abcde";

    @Test
    void randomVocabulariesAndTexts() {
        Random rng = new Random(20240601);
        for (int vocab = 0; vocab < 12; vocab++) {
            List<String> pieces = new ArrayList<>();
            for (char c : ALPHABET.toCharArray()) pieces.add(String.valueOf(c));
            List<String[]> merges = new ArrayList<>();
            java.util.Set<String> pairs = new java.util.HashSet<>();
            while (merges.size() < 120) {
                String l = pieces.get(rng.nextInt(pieces.size()));
                String r = pieces.get(rng.nextInt(pieces.size()));
                if (l.length() + r.length() > 7 || !pairs.add(l + "\u0000" + r)) continue;
                // Several merges may make the same piece, as in real merge lists.
                if (!pieces.contains(l + r)) pieces.add(l + r);
                merges.add(new String[]{l, r});
            }
            TokenizerModel m = TestTokenizers.model("random-" + vocab, pieces, merges.toArray(new String[0][]));
            BpeTokenizer fast = new BpeTokenizer(m, "none");
            for (int t = 0; t < 300; t++) {
                String text = randomText(rng);
                int[] expected = naive(m, text);
                int[] actual = fast.encode(text, true);
                assertArrayEquals(expected, actual, () -> "vocab " + m.id() + " text '" + text + "'");
                assertEquals(text, fast.decode(actual));
            }
        }
    }

    private static String randomText(Random rng) {
        int n = rng.nextInt(120);
        String chars = "abcde   \nxé";
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.append(chars.charAt(rng.nextInt(chars.length())));
        return sb.toString();
    }

    /** The definition, O(n²): no heaps, no stale entries, no splitting at barriers. */
    static int[] naive(TokenizerModel m, String text) {
        Map<String, Integer> id = new HashMap<>();
        for (int i = 0; i < m.vocabSize(); i++) id.put(m.pieces().get(i), i);
        Map<String, Integer> rank = new HashMap<>();
        int[] l = m.mergeLeft();
        int[] r = m.mergeRight();
        for (int i = 0; i < l.length; i++) rank.put(l[i] + "," + r[i], i);
        List<Integer> syms = new ArrayList<>();
        syms.add(m.bosId());
        if (text.isEmpty()) return new int[]{m.bosId()}; // no text, no prefix space: only BOS
        String s = (" " + text).replace(' ', '▁');
        s.codePoints().forEach(cp -> {
            Integer p = id.get(new String(Character.toChars(cp)));
            if (p != null) {
                syms.add(p);
            } else {
                for (byte b : new String(Character.toChars(cp)).getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                    syms.add(id.get(String.format("<0x%02X>", b & 0xff)));
                }
            }
        });
        while (true) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < syms.size(); i++) {
                Integer rk = rank.get(syms.get(i) + "," + syms.get(i + 1));
                if (rk != null && rk < bestRank) {
                    bestRank = rk;
                    best = i;
                }
            }
            if (best < 0) break;
            String merged = m.pieces().get(syms.get(best)) + m.pieces().get(syms.get(best + 1));
            syms.set(best, id.get(merged));
            syms.remove(best + 1);
        }
        return syms.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void naiveAgreesWithHandWorkedExample() {
        // guards the reference itself: the tiny vocabulary's hand-worked "  ab" (see BpeTokenizerTest)
        TokenizerModel tiny = TestTokenizers.model("tiny", TestTokenizers.TINY_PIECES, TestTokenizers.TINY_MERGES);
        assertEquals(Arrays.toString(new int[]{1, 272, 259, 268}), Arrays.toString(naive(tiny, "  ab")));
    }
}
