package org.rat4j.data.text;

import java.nio.file.Path;

/**
 * One document of an input: a whole plain-text file, or one JSONL line.
 *
 * @param file      the file it came from
 * @param fileIndex position of the file in the resolved input list
 * @param index     position of the document within its file (0 for a plain-text file)
 * @param line      1-based line of the document in its file (1 for a plain-text file)
 * @param text      the text, never empty
 */
public record Document(Path file, int fileIndex, long index, long line, String text) {
}
