package org.rat4j.data;

import org.rat4j.data.tokenizer.Tokenizer;
import org.rat4j.data.tokenizer.TokenizerFile;
import org.rat4j.data.tokenizer.TokenizerModel;
import org.rat4j.data.tokenizer.Tokenizers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Tokenizers for tests: a tiny hand-made one (always available) and the real LLaMA-2 one (when set-up has run). */
public final class TestTokenizers {
    /** Pieces of the tiny vocabulary after the 259 special and byte pieces, id 259 onward. */
    public static final List<String> TINY_PIECES = List.of(
            "▁", "a", "b", "c", "d", "e", "h", "l", "o", // 259..267
            "ab", "▁a", "bc", "abc", "▁▁", "▁ab", "aa", "ll", "he", "hell", "hello", "▁hello"); // 268..279
    /** Merges of the tiny vocabulary, best first: rank r merges (left, right). */
    public static final String[][] TINY_MERGES = {
            {"a", "b"}, {"▁", "a"}, {"b", "c"}, {"ab", "c"}, {"▁", "▁"}, {"▁a", "b"}, {"a", "a"}, {"l", "l"}, {"h", "e"},
            {"he", "ll"}, {"hell", "o"}, {"▁", "hello"}};

    private static Tokenizer tiny;

    private TestTokenizers() {
    }

    /** The 259 pieces every SentencePiece byte-fallback vocabulary starts with: unk, BOS, EOS, then {@code <0x00>..<0xFF>}. */
    public static List<String> basePieces() {
        List<String> p = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        for (int b = 0; b < 256; b++) p.add(String.format("<0x%02X>", b));
        return p;
    }

    /** A model from pieces (after the base ones) and merges given as piece strings. */
    public static TokenizerModel model(String id, List<String> extraPieces, String[][] merges) {
        List<String> pieces = basePieces();
        pieces.addAll(extraPieces);
        int[] left = new int[merges.length];
        int[] right = new int[merges.length];
        for (int r = 0; r < merges.length; r++) {
            left[r] = pieces.indexOf(merges[r][0]);
            right[r] = pieces.indexOf(merges[r][1]);
            if (left[r] < 0 || right[r] < 0) throw new IllegalArgumentException("merge " + r + " names an unknown piece");
        }
        return new TokenizerModel(id, pieces, left, right, 0, 1, 2, true, Map.of());
    }

    /** The tiny tokenizer, written to a temporary tokenizer file and loaded like a real one. */
    public static synchronized Tokenizer tiny() {
        if (tiny == null) tiny = fromModel(model("tiny-test", TINY_PIECES, TINY_MERGES));
        return tiny;
    }

    public static Tokenizer fromModel(TokenizerModel m) {
        try {
            Path dir = Files.createTempDirectory("rat4j-tok");
            Path f = dir.resolve(m.id() + ".tokenizer");
            TokenizerFile.write(f, m);
            f.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            return Tokenizers.load(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The real LLaMA-2 tokenizer; skips the calling test when scripts/fetch-data.sh has not been run. */
    public static Tokenizer llamaOrSkip() {
        assumeTrue(Tokenizers.defaultAvailable(), "data/tokenizer/llama2.tokenizer is absent: run scripts/fetch-data.sh to enable this test");
        return Tokenizers.loadDefault();
    }
}
