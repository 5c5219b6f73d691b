package org.rat4j.data.text;

import java.util.ArrayList;
import java.util.List;

/**
 * The documents a {@link TextSplit} defines, computed from the whole text at once with string searches: the
 * non-streaming reference that the block-by-block {@link TextDocuments} must reproduce exactly.
 */
public final class TextSplitReference {
    /** A document and the 1-based line of its first character. */
    public record Doc(String text, long line) {
    }

    private TextSplitReference() {
    }

    public static List<Doc> split(String text, TextSplit split) {
        String t = text.startsWith("\uFEFF") ? text.substring(1) : text;
        List<int[]> spans = new ArrayList<>();
        if (split.mode() == TextSplit.Mode.FILE) {
            spans.add(new int[]{0, t.length()});
        } else {
            // maximal runs of non-blank lines, each line with its line end
            int start = -1;
            int pos = 0;
            while (pos < t.length()) {
                int nl = t.indexOf('\n', pos);
                int end = nl < 0 ? t.length() : nl + 1;
                if (t.substring(pos, end).isBlank()) {
                    if (start >= 0) spans.add(new int[]{start, pos});
                    start = -1;
                } else if (start < 0) {
                    start = pos;
                }
                pos = end;
            }
            if (start >= 0) spans.add(new int[]{start, t.length()});
        }
        List<Doc> docs = new ArrayList<>();
        for (int[] span : spans) {
            int from = span[0];
            while (span[1] - from > split.maxChars()) {
                int to = cut(t, from, from + split.maxChars());
                add(docs, t, from, to);
                from = to;
            }
            add(docs, t, from, span[1]);
        }
        return docs;
    }

    private static void add(List<Doc> docs, String t, int from, int to) {
        String piece = t.substring(from, to);
        if (piece.isBlank()) return;
        long line = 1 + t.substring(0, from).chars().filter(ch -> ch == '\n').count();
        docs.add(new Doc(piece, line));
    }

    /** The end of the piece starting at {@code from} whose text may reach {@code limit}. */
    private static int cut(String t, int from, int limit) {
        int half = (limit - from) / 2;
        for (int p = limit; p - from >= half; p--) {
            if (t.charAt(p - 1) == '\n' && t.substring(t.lastIndexOf('\n', p - 2) + 1, p).isBlank()) return p;
        }
        for (int p = limit; p - from >= half; p--) if (t.charAt(p - 1) == '\n') return p;
        for (int p = limit; p - from >= half; p--) if (Character.isWhitespace(t.charAt(p - 1))) return p;
        return Character.isHighSurrogate(t.charAt(limit - 1)) ? limit - 1 : limit;
    }
}
