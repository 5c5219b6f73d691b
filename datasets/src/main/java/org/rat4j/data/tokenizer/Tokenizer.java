package org.rat4j.data.tokenizer;

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
