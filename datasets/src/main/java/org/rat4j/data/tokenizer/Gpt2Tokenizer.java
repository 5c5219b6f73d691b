package org.rat4j.data.tokenizer;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * GPT-2's byte-level BPE ({@code r50k_base}, 50,257 ids), the licence-clean alternative to the LLaMA-2 vocabulary:
 * its merge ranks ship inside the jtokkit jar (MIT), so it needs no set-up step. GPT-2 has one special token,
 * {@code <|endoftext|>} = 50256, which serves as both BOS and EOS. Text is always encoded as ordinary text (a
 * literal {@code "<|endoftext|>"} in a document is not turned into the special id), so
 * {@code decode(encode(s)) == s} for every string.
 * <p>Use it with {@code data.tokenizer: gpt2} and a model with {@code vocab_size: 50257, eos_token_id: 50256}.
 */
public final class Gpt2Tokenizer implements Tokenizer {
    /** The name that selects this tokenizer wherever a tokenizer file is accepted. */
    public static final String NAME = "gpt2";
    public static final int VOCAB_SIZE = 50257;
    public static final int END_OF_TEXT = 50256;
    private static final String RANKS_RESOURCE = "/com/knuddels/jtokkit/r50k_base.tiktoken";

    private static final class Holder {
        static final Gpt2Tokenizer INSTANCE = new Gpt2Tokenizer();
    }

    private final Encoding encoding = Encodings.newDefaultEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
    private final String hash = resourceSha256();

    private Gpt2Tokenizer() {
    }

    /** The shared instance (the encoding tables are built once, ~50k entries). */
    public static Gpt2Tokenizer get() {
        return Holder.INSTANCE;
    }

    @Override
    public int[] encode(String text, boolean addBos) {
        int[] ids = encoding.encodeOrdinary(text).toArray();
        if (!addBos) return ids;
        int[] out = new int[ids.length + 1];
        out[0] = END_OF_TEXT;
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }

    @Override
    public String decode(int[] ids) {
        IntArrayList kept = new IntArrayList(ids.length);
        for (int id : ids) {
            if (id < 0 || id >= VOCAB_SIZE) {
                throw new IllegalArgumentException("token id " + id + " is outside the GPT-2 vocabulary [0, " + VOCAB_SIZE + ")");
            }
            if (id != END_OF_TEXT) kept.add(id);
        }
        return new String(encoding.decodeBytes(kept), StandardCharsets.UTF_8);
    }

    @Override
    public byte[] tokenBytes(int id) {
        if (id < 0 || id >= VOCAB_SIZE) {
            throw new IllegalArgumentException("token id " + id + " is outside the GPT-2 vocabulary [0, " + VOCAB_SIZE + ")");
        }
        if (id == END_OF_TEXT) return new byte[0];
        IntArrayList one = new IntArrayList(1);
        one.add(id);
        return encoding.decodeBytes(one);
    }

    @Override
    public String piece(int id) {
        if (id == END_OF_TEXT) return "<|endoftext|>";
        IntArrayList one = new IntArrayList(1);
        one.add(id);
        // A piece can be part of a UTF-8 sequence; such bytes show as U+FFFD, as in any byte-level BPE vocabulary dump.
        return new String(encoding.decodeBytes(one), StandardCharsets.UTF_8).replace(' ', '▁');
    }

    @Override
    public int vocabSize() {
        return VOCAB_SIZE;
    }

    @Override
    public int bosId() {
        return END_OF_TEXT;
    }

    @Override
    public int eosId() {
        return END_OF_TEXT;
    }

    @Override
    public String id() {
        return "gpt2-r50k_base";
    }

    @Override
    public String hash() {
        return hash;
    }

    /** SHA-256 of the merge-rank file inside the jar, so a different jtokkit table is detected like a different file. */
    private static String resourceSha256() {
        try (InputStream in = Gpt2Tokenizer.class.getResourceAsStream(RANKS_RESOURCE)) {
            if (in == null) throw new IllegalStateException("jtokkit's " + RANKS_RESOURCE + " is not on the classpath");
            return Tokenizers.sha256(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
