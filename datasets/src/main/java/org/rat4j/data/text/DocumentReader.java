package org.rat4j.data.text;

import org.rat4j.config.ConfigException;

import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.zip.ZipException;

/**
 * Reads the documents of one input file: plain text (the whole file, or its paragraphs, cut at
 * {@link TextSplit#maxChars()} characters: {@link TextSplit}) or JSONL (one document per line, in a string field),
 * either possibly gzip-compressed. Text must be UTF-8; every problem is a {@link ConfigException} that names the file
 * and line and says how to fix it. Both formats are streamed, so files larger than memory are fine: a plain-text
 * file holds at most one document in memory, a JSONL file one line.
 */
public final class DocumentReader implements Iterator<Document>, AutoCloseable {
    private final Path file;
    private final int fileIndex;
    private final InputFormat format;
    private final String textField;
    private final InputFile input;
    private final JsonlLines lines;
    private final TextDocuments text;
    private Document next;
    private long docIndex;
    private long skippedEmpty;
    private boolean done;

    private DocumentReader(Path file, int fileIndex, String textField, TextSplit split) throws IOException {
        this.file = file;
        this.fileIndex = fileIndex;
        this.format = InputFormat.of(file);
        this.textField = textField;
        this.input = InputFile.open(file);
        this.lines = format == InputFormat.JSONL ? new JsonlLines(input.stream(), file) : null;
        this.text = format == InputFormat.TEXT ? new TextDocuments(input.stream(), file, split) : null;
    }

    /**
     * Opens a file.
     *
     * @param fileIndex position of the file in the input list, copied into each {@link Document}
     * @param textField the JSONL field that holds the text (ignored for plain text)
     * @param split     how a plain-text file is cut into documents (ignored for JSONL)
     */
    public static DocumentReader open(Path file, int fileIndex, String textField, TextSplit split) {
        try {
            return new DocumentReader(file, fileIndex, textField, split);
        } catch (IOException e) {
            throw new UncheckedIOException("could not open " + file, e);
        }
    }

    /** Opens a file; plain text is split as {@link TextSplit#DEFAULT}. */
    public static DocumentReader open(Path file, int fileIndex, String textField) {
        return open(file, fileIndex, textField, TextSplit.DEFAULT);
    }

    /** Reads all documents of a small file; plain text is split as {@link TextSplit#DEFAULT}. */
    public static List<Document> readAll(Path file, String textField) {
        return readAll(file, textField, TextSplit.DEFAULT);
    }

    /** Reads all documents of a small file. */
    public static List<Document> readAll(Path file, String textField, TextSplit split) {
        List<Document> out = new ArrayList<>();
        try (DocumentReader r = open(file, 0, textField, split)) {
            r.forEachRemaining(out::add);
        }
        return out;
    }

    /** Bytes read from the file so far (compressed bytes for gzip): the progress measure. */
    public long bytesRead() {
        return input.bytesRead();
    }

    /** JSONL lines skipped because their text was empty or blank. */
    public long skippedEmpty() {
        return skippedEmpty;
    }

    @Override
    public boolean hasNext() {
        if (next == null && !done) next = advance();
        return next != null;
    }

    @Override
    public Document next() {
        if (!hasNext()) throw new NoSuchElementException();
        Document d = next;
        next = null;
        return d;
    }

    private Document advance() {
        try {
            return format == InputFormat.TEXT ? readText() : readJsonLine();
        } catch (ZipException | EOFException e) {
            throw new ConfigException("input file " + file + ": the gzip data is corrupt or truncated (" + e.getMessage()
                    + "); re-create or re-download the file");
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file, e);
        }
    }

    private Document readText() throws IOException {
        TextDocuments.Piece p = text.next();
        if (p == null) {
            done = true;
            if (docIndex == 0) throw new ConfigException("input file " + file + " is empty (no text); remove it from the inputs");
            return null;
        }
        return new Document(file, fileIndex, docIndex++, p.line(), p.text());
    }

    private Document readJsonLine() throws IOException {
        while (true) {
            JsonlLines.Line line = lines.next();
            if (line == null) {
                done = true;
                if (docIndex == 0) {
                    throw new ConfigException("input file " + file + " holds no documents (no JSONL line with a non-empty \""
                            + textField + "\" field); remove it from the inputs");
                }
                return null;
            }
            String text = lines.stringField(line, textField, "name the text field with --text-field");
            if (text.isBlank()) {
                skippedEmpty++;
                continue;
            }
            return new Document(file, fileIndex, docIndex++, line.number(), text);
        }
    }

    @Override
    public void close() {
        try {
            input.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
