package org.rat4j.data.text;

import java.nio.file.Path;

/**
 * One document of an input: a plain-text file or a piece of one ({@link TextSplit}), or one JSONL line.
 *
 * @param file      the file it came from
 * @param fileIndex position of the file in the resolved input list
 * @param index     position of the document within its file (0 for the first)
 * @param line      1-based line of the document's first character in its file
 * @param text      the text, never empty
 */
public record Document(Path file, int fileIndex, long index, long line, String text) {
}
