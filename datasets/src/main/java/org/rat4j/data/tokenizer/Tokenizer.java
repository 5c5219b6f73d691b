package org.rat4j.data.tokenizer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Text to token ids and back. Implementations are immutable and safe to share between threads.
 * <p>The LLaMA-2 tokenizer ({@link Tokenizers#loadDefault()}) gives exactly the ids of the reference LLaMA-2
 * SentencePiece model, e.g. {@code encode("Hello world!") = [1, 15043, 3186, 29991]}.
 */
public interface Tokenizer {
    /** Encodes with BOS first: {@code encode(text, true)}. */
    default int[] encode(String text) {
        return encode(text, true);
    }

    /**
     * Encodes {@code text}; {@code addBos} puts the BOS id first. The tokenizer's dummy-prefix space is always added
     * (as the reference does), so {@code encode(s, false)} equals {@code encode(s, true)} without its first id.
     */
    int[] encode(String text, boolean addBos);

    /** Decodes ids to text: BOS/EOS are dropped, byte tokens are joined into UTF-8, and the dummy-prefix space removed. */
    String decode(int[] ids);

    /**
     * The UTF-8 bytes one id adds to the decoded text, before the dummy-prefix space is removed: empty for BOS and
     * EOS, one byte for a byte-fallback piece (which may be part of a multi-byte character), the piece with
     * {@code ▁} as a space otherwise. {@code decode(ids)} is the concatenation of these bytes read as UTF-8, less one
     * leading space when {@link #stripsLeadingSpace()}; {@link IncrementalDetokenizer} streams text this way.
     * <p>The default decodes the id alone, which is right for tokenizers whose every id is whole text.
     */
    default byte[] tokenBytes(int id) {
        return decode(new int[]{id}).getBytes(StandardCharsets.UTF_8);
    }

    /** Whether {@link #decode} removes one space at the start of the text (SentencePiece's dummy prefix). */
    default boolean stripsLeadingSpace() {
        return false;
    }

    /** The tokenizer file this tokenizer was read from, or null (built in, or made in memory). */
    default Path file() {
        return null;
    }

    /** The piece string of one id, spaces shown as {@code ▁}, e.g. {@code piece(3186) = "▁world"}. */
    String piece(int id);

    /** Number of ids, e.g. 32000. */
    int vocabSize();

    int bosId();

    int eosId();

    /** Short name stored in shards and model directories, e.g. {@code llama2-32000}. */
    String id();

    /** SHA-256 (hex) of the tokenizer file, so shards and models can detect a different tokenizer. */
    String hash();
}
