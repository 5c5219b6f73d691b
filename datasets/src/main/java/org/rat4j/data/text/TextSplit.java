package org.rat4j.data.text;

import org.rat4j.config.ConfigException;

import java.util.Locale;

/**
 * How a plain-text file is cut into documents ({@code rat4j tokenize --split, --doc-chars}). Either way no document
 * is longer than {@link #maxChars}, so a file of any size is read with memory bounded by that length: a longer
 * stretch of text is cut at the last blank line, else the last line end, else the last white space within the second
 * half of the allowed length, else at the length itself (never inside a surrogate pair). Concatenating the pieces
 * gives back the text exactly; pieces that hold only white space are dropped.
 *
 * @param mode     {@link Mode#FILE}: the whole file is one document (as long as it fits); {@link Mode#PARAGRAPHS}:
 *                 every run of non-blank lines is one document
 * @param maxChars the longest document, in UTF-16 characters (Java {@code String} length)
 */
public record TextSplit(Mode mode, int maxChars) {
    /**
     * Default longest document: 1 Mi characters, about 250 k LLaMA-2 tokens (longer than any training context here)
     * and 2 MiB of Java string. Every file of the built-in corpus is shorter (the longest has 217,084 bytes), so its
     * documents are unchanged.
     */
    public static final int DEFAULT_MAX_CHARS = 1 << 20;
    /**
     * Largest allowed {@link #maxChars}: a character gives at most 3 tokens (the byte pieces of a 3-byte UTF-8
     * character; a 4-byte one is two characters), so a document's tokens stay far below what one shard can hold.
     */
    public static final int MAX_CHARS_LIMIT = 1 << 26;
    /** Whole files, cut only when longer than {@link #DEFAULT_MAX_CHARS}. */
    public static final TextSplit DEFAULT = new TextSplit(Mode.FILE, DEFAULT_MAX_CHARS);

    /** What a document of a plain-text file is. */
    public enum Mode {
        /** The whole file (cut only where it is longer than the longest document). */
        FILE,
        /** A run of non-blank lines, with their line ends; blank (white-space only) lines separate documents. */
        PARAGRAPHS;

        /** The name used on the command line and in fingerprints. */
        public String cliName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Reads a command-line name: {@code file} or {@code paragraphs}. */
        public static Mode parse(String name) {
            for (Mode m : values()) if (m.cliName().equals(name)) return m;
            throw new ConfigException("--split must be 'file' (the whole file is one document) or 'paragraphs' (documents "
                    + "end at blank lines), got '" + name + "'");
        }
    }

    public TextSplit {
        if (mode == null) throw new ConfigException("--split must be 'file' or 'paragraphs'");
        if (maxChars < 2 || maxChars > MAX_CHARS_LIMIT) {
            throw new ConfigException("--doc-chars must be in [2, " + MAX_CHARS_LIMIT + "], got " + maxChars);
        }
    }

    /** One line for fingerprints and logs, e.g. {@code split=file doc_chars=1048576}. */
    public String describe() {
        return "split=" + mode.cliName() + " doc_chars=" + maxChars;
    }
}
