package org.rat4j.data.shard;

import org.rat4j.data.text.Document;
import org.rat4j.data.text.DocumentReader;
import org.rat4j.data.text.TextSplit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The documents of a list of input files, in order, starting at a given (file, document) position, handed out in
 * batches for the tokenizer threads. Also reports how many input bytes have been consumed, for the progress bar.
 */
final class DocumentStream implements AutoCloseable {
    private final List<Path> files;
    private final String textField;
    private final TextSplit split;
    private int fileIndex;
    private long skipDocs;
    private DocumentReader reader;
    private long bytesOfFinishedFiles;
    private long skippedEmpty;

    DocumentStream(List<Path> files, String textField, TextSplit split, int startFile, long startDoc) {
        this.files = files;
        this.textField = textField;
        this.split = split;
        this.fileIndex = startFile;
        this.skipDocs = startDoc;
        for (int i = 0; i < Math.min(startFile, files.size()); i++) bytesOfFinishedFiles += size(files.get(i));
    }

    /** Up to {@code maxDocs} documents, stopping once {@code maxChars} characters are collected; empty at the end. */
    List<Document> nextBatch(int maxDocs, long maxChars) {
        List<Document> batch = new ArrayList<>();
        long chars = 0;
        while (batch.size() < maxDocs && chars < maxChars) {
            Document d = nextDocument();
            if (d == null) break;
            batch.add(d);
            chars += d.text().length();
        }
        return batch;
    }

    private Document nextDocument() {
        while (fileIndex < files.size()) {
            Path f = files.get(fileIndex);
            if (reader == null) {
                // A resumed run skips the documents earlier shards hold.
                reader = DocumentReader.open(f, fileIndex, textField, split);
                while (skipDocs > 0 && reader.hasNext()) {
                    reader.next();
                    skipDocs--;
                }
                skipDocs = 0;
            }
            if (reader.hasNext()) return reader.next();
            skippedEmpty += reader.skippedEmpty();
            reader.close();
            reader = null;
            finishFile();
        }
        return null;
    }

    private void finishFile() {
        bytesOfFinishedFiles += size(files.get(fileIndex));
        fileIndex++;
        skipDocs = 0;
    }

    /** Input bytes consumed so far (compressed bytes for gzip files). */
    long bytesRead() {
        return bytesOfFinishedFiles + (reader == null ? 0 : reader.bytesRead());
    }

    /** JSONL lines skipped because their text was empty. */
    long skippedEmpty() {
        return skippedEmpty;
    }

    static long size(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the size of " + f, e);
        }
    }

    @Override
    public void close() {
        if (reader != null) reader.close();
        reader = null;
    }
}
