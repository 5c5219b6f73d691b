package org.rat4j.data.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.rat4j.config.ConfigException;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.ZipException;

/**
 * Reads a JSONL stream one object at a time: lines are split on {@code \n} as bytes (so one bad line cannot hide
 * the line numbers of the rest), decoded as strict UTF-8, and parsed; blank lines are skipped. Every error names
 * the file and line.
 */
public final class JsonlLines {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One parsed line. */
    public record Line(long number, ObjectNode object) {
    }

    private final InputStream in;
    private final Path file;
    private final byte[] buf = new byte[1 << 16];
    private int pos;
    private int end;
    private long lineNo;

    /** Turns one line into a value (or fails with a {@link ConfigException} naming the line). */
    @FunctionalInterface
    public interface RowReader<T> {
        T read(JsonlLines lines, Line line) throws IOException;
    }

    /**
     * Every line of a JSONL file (gzip undone, {@link InputFile}) through {@code row}, in order; a corrupt or
     * truncated gzip stream is one line naming the file.
     */
    public static <T> List<T> readAll(Path file, RowReader<T> row) {
        List<T> out = new ArrayList<>();
        try (InputFile in = InputFile.open(file)) {
            JsonlLines lines = new JsonlLines(in.stream(), file);
            Line line;
            while ((line = lines.next()) != null) out.add(row.read(lines, line));
        } catch (ZipException | EOFException e) {
            throw new ConfigException(file + ": the gzip data is corrupt or truncated (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file, e);
        }
        return out;
    }

    public JsonlLines(InputStream in, Path file) {
        this.in = in;
        this.file = file;
    }

    /** The next object, or null at the end of the stream. */
    public Line next() throws IOException {
        while (true) {
            byte[] bytes = readLine();
            if (bytes == null) return null;
            lineNo++;
            int n = bytes.length;
            if (n > 0 && bytes[n - 1] == '\r') n--;
            String s = StrictUtf8.decode(bytes, 0, n, file, lineNo);
            if (lineNo == 1 && s.startsWith("\uFEFF")) s = s.substring(1);
            if (s.isBlank()) continue;
            JsonNode node;
            try {
                node = JSON.readTree(s);
            } catch (JsonProcessingException e) {
                throw new ConfigException(file + " line " + lineNo + ": not valid JSON (" + e.getOriginalMessage()
                        + "); each line of a JSONL file must be one JSON object");
            }
            if (!(node instanceof ObjectNode obj)) {
                throw new ConfigException(file + " line " + lineNo + ": expected a JSON object, found "
                        + (node == null ? "nothing" : node.getNodeType().toString().toLowerCase()));
            }
            return new Line(lineNo, obj);
        }
    }

    /**
     * The string field {@code name} of a line; a {@link ConfigException} naming file, line and the fix when it is
     * missing or not a string.
     */
    public String stringField(Line line, String name, String fix) {
        JsonNode field = line.object().get(name);
        if (field == null) {
            List<String> names = new ArrayList<>();
            line.object().fieldNames().forEachRemaining(names::add);
            throw new ConfigException(file + " line " + line.number() + ": no \"" + name + "\" field (the object has " + names + "); " + fix);
        }
        if (!field.isTextual()) {
            throw new ConfigException(file + " line " + line.number() + ": the \"" + name + "\" field is "
                    + field.getNodeType().toString().toLowerCase() + ", not a string");
        }
        return field.asText();
    }

    /** The next line without its {@code \n}, or null at the end of the stream. */
    private byte[] readLine() throws IOException {
        ByteArrayOutputStream longLine = null;
        while (true) {
            if (pos == end) {
                end = in.read(buf, 0, buf.length);
                pos = 0;
                if (end <= 0) {
                    end = 0;
                    return longLine == null ? null : longLine.toByteArray();
                }
            }
            int start = pos;
            while (pos < end && buf[pos] != '\n') pos++;
            if (pos < end) {
                byte[] tail = Arrays.copyOfRange(buf, start, pos++);
                if (longLine == null) return tail;
                longLine.write(tail);
                return longLine.toByteArray();
            }
            if (longLine == null) longLine = new ByteArrayOutputStream(Math.max(1024, (end - start) * 2));
            longLine.write(buf, start, end - start);
        }
    }
}
