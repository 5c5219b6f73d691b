package org.rat4j.data.text;

import java.nio.file.Path;

/** How a file holds documents, told by its name; gzip is told by its first bytes, whatever the name says. */
public enum InputFormat {
    /** The whole file is one document. */
    TEXT,
    /** One JSON object per line; a string field holds the document. */
    JSONL;

    /** {@code .jsonl}, {@code .ndjson} and {@code .json} (optionally {@code .gz}) are JSONL; anything else is text. */
    public static InputFormat of(Path file) {
        String n = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (n.endsWith(".gz")) n = n.substring(0, n.length() - 3);
        return n.endsWith(".jsonl") || n.endsWith(".ndjson") || n.endsWith(".json") ? JSONL : TEXT;
    }

    /** Whether a file in a directory is picked up as input: the text and JSONL suffixes, plain or gzipped. */
    public static boolean isInputName(Path file) {
        String n = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        if (n.startsWith(".")) return false;
        if (n.endsWith(".gz")) n = n.substring(0, n.length() - 3);
        return n.endsWith(".txt") || n.endsWith(".text") || n.endsWith(".md") || n.endsWith(".jsonl") || n.endsWith(".ndjson")
                || n.endsWith(".json");
    }
}
