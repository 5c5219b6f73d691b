package org.rat4j.data.text;

import org.junit.jupiter.api.Test;
import org.rat4j.config.ConfigException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class TextDocumentsTest {
    private static final Path FILE = Path.of("t.txt");

    private static List<TextSplitReference.Doc> stream(byte[] bytes, TextSplit split, int block) throws IOException {
        TextDocuments docs = new TextDocuments(new ByteArrayInputStream(bytes), FILE, split, block);
        List<TextSplitReference.Doc> out = new ArrayList<>();
        for (TextDocuments.Piece p = docs.next(); p != null; p = docs.next()) out.add(new TextSplitReference.Doc(p.text(), p.line()));
        return out;
    }

    private static List<TextSplitReference.Doc> stream(String text, TextSplit split) throws IOException {
        return stream(text.getBytes(StandardCharsets.UTF_8), split, TextDocuments.BLOCK);
    }

    @Test
    void paragraphsEndAtBlankLinesAndKeepTheirLineEnds() throws IOException {
        String text = "one two\n\n  \nthree\r\nfour\n\n\n  five";
        TextSplit paragraphs = new TextSplit(TextSplit.Mode.PARAGRAPHS, TextSplit.DEFAULT_MAX_CHARS);
        assertEquals(List.of(new TextSplitReference.Doc("one two\n", 1), new TextSplitReference.Doc("three\r\nfour\n", 4),
                new TextSplitReference.Doc("  five", 8)), stream(text, paragraphs));
        // the whole file, as before
        assertEquals(List.of(new TextSplitReference.Doc(text, 1)), stream(text, TextSplit.DEFAULT));
    }

    @Test
    void longTextIsCutAtSpacesOrExactlyAtTheLimitButNeverInsideASurrogatePair() throws IOException {
        TextSplit ten = new TextSplit(TextSplit.Mode.FILE, 10);
        // "aaaa bbbb " is full at 10 characters and ends in a space: cut there; the rest fits
        assertEquals(List.of(new TextSplitReference.Doc("aaaa bbbb ", 1), new TextSplitReference.Doc("cccc\ndd", 1)),
                stream("aaaa bbbb cccc\ndd", ten));
        // full at 9 ("abcd\nef g"): the line end at 5 is in the second half and wins over the later space at 8
        assertEquals(List.of(new TextSplitReference.Doc("abcd\n", 1), new TextSplitReference.Doc("ef ghij", 2)),
                stream("abcd\nef ghij", new TextSplit(TextSplit.Mode.FILE, 9)));
        // no white space: hard cuts of 3 characters, one short where the third would split 😀 (two UTF-16 characters)
        assertEquals(List.of(new TextSplitReference.Doc("ab", 1), new TextSplitReference.Doc("😀c", 1),
                new TextSplitReference.Doc("def", 1), new TextSplitReference.Doc("g", 1)),
                stream("ab😀cdefg", new TextSplit(TextSplit.Mode.FILE, 3)));
        // exactly the longest length: one document
        assertEquals(List.of(new TextSplitReference.Doc("abcdefghij", 1)), stream("abcdefghij", ten));
    }

    @Test
    void aBlankLineInTheSecondHalfIsTheBestCut() throws IOException {
        // full at 12 ("ab\ncd\n\nefgh "): the blank line ending at 7 wins over the line end at 6 and the space at 12
        assertEquals(List.of(new TextSplitReference.Doc("ab\ncd\n\n", 1), new TextSplitReference.Doc("efgh ijk lm", 4)),
                stream("ab\ncd\n\nefgh ijk lm", new TextSplit(TextSplit.Mode.FILE, 12)));
    }

    @Test
    void streamingEqualsTheWholeTextReference() throws IOException {
        String[] words = {"hello", "abc", " ", "\n", "\n\n", "\r\n", " \t\n", "\n  \n", "é", "日本語", "😀", "\uFEFF", "a-very-long-word"};
        Random rng = new Random(11);
        List<TextSplit> splits = List.of(TextSplit.DEFAULT, new TextSplit(TextSplit.Mode.FILE, 40), new TextSplit(TextSplit.Mode.FILE, 7),
                new TextSplit(TextSplit.Mode.FILE, 2), new TextSplit(TextSplit.Mode.PARAGRAPHS, TextSplit.DEFAULT_MAX_CHARS),
                new TextSplit(TextSplit.Mode.PARAGRAPHS, 40), new TextSplit(TextSplit.Mode.PARAGRAPHS, 5));
        int checkedCuts = 0;
        for (int trial = 0; trial < 60; trial++) {
            StringBuilder sb = new StringBuilder(trial % 5 == 0 ? "\uFEFF" : "");
            int n = 1 + rng.nextInt(120);
            for (int i = 0; i < n; i++) sb.append(words[rng.nextInt(words.length)]);
            String text = sb.toString();
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            for (TextSplit split : splits) {
                List<TextSplitReference.Doc> expected = TextSplitReference.split(text, split);
                if (expected.size() > 1) checkedCuts++;
                for (int block : new int[]{4, 5, 13, TextDocuments.BLOCK}) {
                    assertEquals(expected, stream(bytes, split, block), "trial " + trial + ", " + split.describe() + ", block " + block);
                }
            }
        }
        assertTrue(checkedCuts > 100, "the texts are cut into several documents often: " + checkedCuts);
    }

    @Test
    void invalidBytesAreReportedWhereverTheBlocksEnd() {
        byte[] bytes = "ok\nstill ok\ncaf\u00e9 here".getBytes(StandardCharsets.ISO_8859_1);
        for (int block : new int[]{4, 7, TextDocuments.BLOCK}) {
            ConfigException e = assertThrows(ConfigException.class, () -> stream(bytes, TextSplit.DEFAULT, block));
            assertTrue(e.getMessage().contains("t.txt line 3, byte 4 of the line: invalid UTF-8 byte 0xE9"), e.getMessage());
        }
        // a multi-byte character cut off by the end of the file
        byte[] truncated = {'a', '\n', 'b', (byte) 0xE6, (byte) 0x97};
        ConfigException e = assertThrows(ConfigException.class, () -> stream(truncated, TextSplit.DEFAULT, 4));
        assertTrue(e.getMessage().contains("line 2, byte 2 of the line: invalid UTF-8 byte 0xE6"), e.getMessage());
    }

    @Test
    void settingsAreChecked() {
        assertThrows(ConfigException.class, () -> new TextSplit(TextSplit.Mode.FILE, 1));
        assertThrows(ConfigException.class, () -> new TextSplit(TextSplit.Mode.FILE, TextSplit.MAX_CHARS_LIMIT + 1));
        ConfigException e = assertThrows(ConfigException.class, () -> TextSplit.Mode.parse("lines"));
        assertTrue(e.getMessage().contains("'file'") && e.getMessage().contains("'paragraphs'"), e.getMessage());
        assertEquals(TextSplit.Mode.PARAGRAPHS, TextSplit.Mode.parse("paragraphs"));
    }
}
