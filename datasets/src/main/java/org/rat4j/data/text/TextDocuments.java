package org.rat4j.data.text;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;

/**
 * The documents of one plain-text stream, cut as a {@link TextSplit} says, read a block at a time: memory stays
 * bounded by the longest document ({@link TextSplit#maxChars()}) whatever the size of the file. (Reading the whole
 * file into one string took 5.6 GB of memory for a 1 GB file.) Bytes are decoded as strict UTF-8; an invalid byte is
 * reported with its line and position ({@link StrictUtf8#invalidByte}). A leading byte-order mark is dropped.
 */
final class TextDocuments {
    /** One document: its text and the 1-based line of its first character. */
    record Piece(String text, long line) {
    }

    /** Bytes read and characters decoded at a time. */
    static final int BLOCK = 1 << 16;

    private final InputStream in;
    private final Path file;
    private final TextSplit split;
    private final boolean paragraphs;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
    private final ByteBuffer bytes;
    private final CharBuffer chars;
    private boolean streamDone;
    private boolean flushed;
    private boolean finished;
    private boolean started;

    // Where the decoder is in bytes, for error messages.
    private long byteOffset;
    private long byteLine = 1;
    private long byteLineStart;

    // The document being built.
    private final StringBuilder doc = new StringBuilder();
    /** PARAGRAPHS: the white space a line begins with, held back until the line proves not to be blank. */
    private final StringBuilder pendingBlank = new StringBuilder();
    private long docLine = 1;
    private long line = 1;
    private boolean lineBlank = true;
    /** Where the document may be cut: just after a blank line, a line end, a white-space character; -1 if nowhere. */
    private int afterBlankLine = -1;
    private int afterLineEnd = -1;
    private int afterSpace = -1;
    private final ArrayDeque<Piece> ready = new ArrayDeque<>();

    TextDocuments(InputStream in, Path file, TextSplit split) {
        this(in, file, split, BLOCK);
    }

    /** {@code block}: bytes read at a time (tests use a few bytes, to cut multi-byte characters between blocks). */
    TextDocuments(InputStream in, Path file, TextSplit split, int block) {
        this.in = in;
        this.file = file;
        this.split = split;
        this.paragraphs = split.mode() == TextSplit.Mode.PARAGRAPHS;
        this.bytes = ByteBuffer.allocate(Math.max(4, block));
        this.bytes.flip();
        this.chars = CharBuffer.allocate(Math.max(4, block));
        this.chars.flip();
    }

    /** The next document that is not only white space, or null at the end of the stream. */
    Piece next() throws IOException {
        while (ready.isEmpty() && !finished) {
            if (!chars.hasRemaining() && !decodeMore()) {
                finish();
                break;
            }
            while (chars.hasRemaining() && ready.isEmpty()) accept(chars.get());
        }
        return ready.poll();
    }

    // ---------------------------------------------------------------- splitting

    private void accept(char c) {
        if (!started) {
            started = true;
            if (c == '\uFEFF') return; // a byte-order mark is an encoding marker, not text
        }
        boolean space = Character.isWhitespace(c);
        if (paragraphs && lineBlank && space) {
            if (c == '\n') {
                // A blank line ends the paragraph; the blank lines themselves belong to no document.
                pendingBlank.setLength(0);
                emit(doc.length());
                line++;
                return;
            }
            pendingBlank.append(c);
            if (pendingBlank.length() >= split.maxChars()) movePending(); // white space without end: it is text
            return;
        }
        if (pendingBlank.length() > 0) movePending();
        append(c, space);
    }

    private void movePending() {
        for (int i = 0; i < pendingBlank.length(); i++) append(pendingBlank.charAt(i), true);
        pendingBlank.setLength(0);
    }

    private void append(char c, boolean space) {
        // A full document is cut when more text comes, so one of exactly the longest length stays whole.
        if (doc.length() >= split.maxChars()) emit(cutPoint());
        if (doc.length() == 0) docLine = line;
        doc.append(c);
        if (c == '\n') {
            if (lineBlank) afterBlankLine = doc.length();
            afterLineEnd = doc.length();
            line++;
            lineBlank = true;
        } else if (!space) {
            lineBlank = false;
        }
        if (space) afterSpace = doc.length();
    }

    /** Where a full document is cut: the best boundary in its second half, else at its end. */
    private int cutPoint() {
        int n = doc.length();
        int half = n / 2;
        if (afterBlankLine >= half) return afterBlankLine;
        if (afterLineEnd >= half) return afterLineEnd;
        if (afterSpace >= half) return afterSpace;
        return Character.isHighSurrogate(doc.charAt(n - 1)) ? n - 1 : n;
    }

    /** Hands out the first {@code end} characters as a document (unless only white space) and keeps the rest. */
    private void emit(int end) {
        if (end == 0) return;
        String text = doc.substring(0, end);
        if (!text.isBlank()) ready.add(new Piece(text, docLine));
        for (int i = 0; i < end; i++) if (doc.charAt(i) == '\n') docLine++;
        doc.delete(0, end);
        afterBlankLine = afterBlankLine > end ? afterBlankLine - end : -1;
        afterLineEnd = afterLineEnd > end ? afterLineEnd - end : -1;
        afterSpace = afterSpace > end ? afterSpace - end : -1;
    }

    private void finish() {
        finished = true;
        pendingBlank.setLength(0); // PARAGRAPHS: a last line of white space only is blank
        emit(doc.length());
    }

    // ---------------------------------------------------------------- decoding

    /** Decodes the next characters into {@link #chars}; false at the end of the stream. */
    private boolean decodeMore() throws IOException {
        chars.clear();
        while (chars.position() == 0) {
            if (streamDone) {
                if (flushed) break;
                decode(true);
                check(decoder.flush(chars), bytes.position());
                flushed = true;
                continue;
            }
            bytes.compact();
            int n = in.read(bytes.array(), bytes.position(), bytes.remaining());
            if (n < 0) streamDone = true;
            else bytes.position(bytes.position() + n);
            bytes.flip();
            decode(streamDone);
        }
        chars.flip();
        return chars.hasRemaining();
    }

    private void decode(boolean endOfInput) {
        int from = bytes.position();
        CoderResult r = decoder.decode(bytes, chars, endOfInput);
        countLines(from, bytes.position());
        check(r, bytes.position());
    }

    private void countLines(int from, int to) {
        byte[] a = bytes.array();
        for (int i = from; i < to; i++) {
            if (a[i] == '\n') {
                byteLine++;
                byteLineStart = byteOffset + (i - from) + 1;
            }
        }
        byteOffset += to - from;
    }

    private void check(CoderResult r, int at) {
        if (r.isError()) throw StrictUtf8.invalidByte(file, byteLine, byteOffset - byteLineStart + 1, bytes.get(at));
    }
}
