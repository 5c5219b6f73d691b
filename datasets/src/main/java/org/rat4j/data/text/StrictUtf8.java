package org.rat4j.data.text;

import org.rat4j.config.ConfigException;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * UTF-8 decoding that refuses bad bytes instead of replacing them, and says where they are: a corpus with
 * mis-encoded text would otherwise train on U+FFFD silently.
 */
public final class StrictUtf8 {
    private StrictUtf8() {
    }

    /**
     * Decodes {@code bytes[from, to)}. {@code firstLine} is the file line of {@code bytes[from]}, used with the
     * newlines before the bad byte to name its line.
     */
    public static String decode(byte[] bytes, int from, int to, Path file, long firstLine) {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, from, to - from);
        CharBuffer out = CharBuffer.allocate((int) Math.min(Integer.MAX_VALUE - 16, (long) (to - from) + 1));
        CoderResult r = dec.decode(in, out, true);
        if (r.isError()) throw error(bytes, from, in.position(), file, firstLine);
        r = dec.flush(out);
        if (r.isError()) throw error(bytes, from, in.position(), file, firstLine);
        out.flip();
        String s = out.toString();
        // A byte-order mark at the start of a file is an encoding marker, not text.
        return from == 0 && firstLine == 1 && s.startsWith("\uFEFF") ? s.substring(1) : s;
    }

    private static ConfigException error(byte[] bytes, int from, int bad, Path file, long firstLine) {
        long line = firstLine;
        int lineStart = from;
        for (int i = from; i < bad; i++) {
            if (bytes[i] == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        return invalidByte(file, line, bad - lineStart + 1, bytes[bad]);
    }

    /**
     * The error for an invalid byte: where it is (file, 1-based line, 1-based byte within the line), its value, and
     * how to fix the file. Streaming readers that track lines themselves report through this too.
     */
    public static ConfigException invalidByte(Path file, long line, long byteOfLine, byte value) {
        return new ConfigException(String.format("%s line %d, byte %d of the line: invalid UTF-8 byte 0x%02X; the file must be "
                        + "UTF-8 text (convert it, e.g. iconv -f latin1 -t utf-8 '%s' > fixed.txt, or remove it from --input)",
                file, line, byteOfLine, value & 0xff, file));
    }
}
