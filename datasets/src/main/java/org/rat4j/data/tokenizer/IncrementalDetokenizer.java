package org.rat4j.data.tokenizer;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Decodes a token stream as it grows, giving only complete text: a character whose UTF-8 bytes are spread over
 * several byte-fallback tokens ({@code <0xE2> <0x80> <0x94>}) appears once its last byte has arrived. The text of all
 * {@link #push} results followed by {@link #finish()} equals {@link Tokenizer#decode} of all the ids, including the
 * dummy-prefix rule (one space removed at the very start of the text) and U+FFFD for malformed bytes: the bytes go
 * through one streaming UTF-8 decoder, which holds an incomplete sequence back until it is completed or proven bad.
 * <p>To continue a prompt, push the prompt's ids first: the text of a generated {@code ▁that} after a prompt is
 * {@code " that"}, while alone it would be {@code "that"}. Not thread-safe; one per sequence.
 */
public final class IncrementalDetokenizer {
    private final Tokenizer tokenizer;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE).onUnmappableCharacter(CodingErrorAction.REPLACE);
    /** Bytes not yet decoded (at most an incomplete character between calls), in read mode between calls. */
    private ByteBuffer pending = ByteBuffer.allocate(64).flip();
    private CharBuffer chars = CharBuffer.allocate(64);
    private boolean started;
    private boolean finished;

    public IncrementalDetokenizer(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Adds one id; returns the text it completes (often the piece's text, empty while a character is incomplete). */
    public String push(int id) {
        if (finished) throw new IllegalStateException("push after finish");
        byte[] b = tokenizer.tokenBytes(id);
        if (b.length == 0) return "";
        if (pending.remaining() + b.length > pending.capacity()) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(pending.capacity() * 2, pending.remaining() + b.length));
            bigger.put(pending);
            pending = bigger.flip();
        }
        pending.compact().put(b).flip();
        return decode(false);
    }

    /** Adds ids in order; returns the text they complete. */
    public String push(int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int id : ids) sb.append(push(id));
        return sb.toString();
    }

    /** Ends the stream: an incomplete character left at the end becomes U+FFFD, as {@link Tokenizer#decode} makes it. */
    public String finish() {
        if (finished) return "";
        String tail = decode(true);
        finished = true;
        return tail;
    }

    private String decode(boolean end) {
        chars.clear();
        while (utf8.decode(pending, chars, end).isOverflow()) chars = grow(chars);
        if (end) while (utf8.flush(chars).isOverflow()) chars = grow(chars);
        chars.flip();
        String s = chars.toString();
        if (!started && !s.isEmpty()) {
            started = true;
            if (tokenizer.stripsLeadingSpace() && s.charAt(0) == ' ') s = s.substring(1);
        }
        return s;
    }

    private static CharBuffer grow(CharBuffer full) {
        CharBuffer bigger = CharBuffer.allocate(full.capacity() * 2);
        full.flip();
        return bigger.put(full);
    }

    @Override
    public String toString() {
        return "IncrementalDetokenizer[" + tokenizer.id() + ", " + pending.remaining() + " bytes pending: "
                + Arrays.toString(Arrays.copyOfRange(pending.array(), pending.position(), pending.limit())) + "]";
    }
}
