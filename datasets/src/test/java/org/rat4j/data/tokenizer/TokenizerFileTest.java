package org.rat4j.data.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rat4j.config.ConfigException;
import org.rat4j.data.TestTokenizers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class TokenizerFileTest {
    @TempDir
    Path dir;

    @Test
    void roundTripKeepsAwkwardPieces() throws Exception {
        // LLaMA has pieces ending in a carriage return; escapes must keep every piece on one line.
        List<String> extra = new ArrayList<>(List.of(";\r", "a\nb", "back\\slash", "tab\t", "\u0001ctl", "▁x", "\\n"));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("source", "unit test");
        List<String> pieces = TestTokenizers.basePieces();
        pieces.addAll(extra);
        TokenizerModel m = new TokenizerModel("odd", pieces, new int[]{3, 260}, new int[]{4, 261}, 0, 1, 2, true, meta);
        Path f = dir.resolve("odd.tokenizer");
        TokenizerFile.write(f, m);
        assertEquals(m, TokenizerFile.read(f));
        long lines = Files.readString(f).chars().filter(c -> c == '\n').count();
        // magic, id, model, unk, bos, eos, prefix, 1 meta, vocab, pieces, merges, 2 merges, end
        assertEquals(9 + pieces.size() + 1 + 2 + 1, lines);
    }

    @Test
    void truncatedFileNamesTheLine() throws Exception {
        Path f = dir.resolve("t.tokenizer");
        TokenizerFile.write(f, TestTokenizers.model("t", TestTokenizers.TINY_PIECES, TestTokenizers.TINY_MERGES));
        String text = Files.readString(f);
        Files.writeString(f, text.substring(0, text.indexOf("merges ")));
        ConfigException e = assertThrows(ConfigException.class, () -> TokenizerFile.read(f));
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains(f.toString()), e.getMessage());
    }

    @Test
    void badMergeIdNamesTheLine() throws Exception {
        Path f = dir.resolve("m.tokenizer");
        TokenizerFile.write(f, TestTokenizers.model("m", TestTokenizers.TINY_PIECES, TestTokenizers.TINY_MERGES));
        List<String> lines = new ArrayList<>(List.of(Files.readString(f).split("\n", -1)));
        int mergesLine = lines.indexOf("merges " + TestTokenizers.TINY_MERGES.length);
        lines.set(mergesLine + 1, "7 99999");
        Files.writeString(f, String.join("\n", lines));
        ConfigException e = assertThrows(ConfigException.class, () -> TokenizerFile.read(f));
        assertTrue(e.getMessage().contains("line " + (mergesLine + 2)), e.getMessage());
    }

    @Test
    void otherFilesAreRefused() throws Exception {
        Path f = dir.resolve("x.json");
        Files.writeString(f, "{\"model\": {}}");
        ConfigException e = assertThrows(ConfigException.class, () -> TokenizerFile.read(f));
        assertTrue(e.getMessage().contains("not a rat4j tokenizer file"), e.getMessage());
        Path bin = dir.resolve("x.bin");
        Files.write(bin, new byte[]{(byte) 0xff, (byte) 0xfe, 0});
        assertThrows(ConfigException.class, () -> TokenizerFile.read(bin));
    }

    @Test
    void escapeAndUnescapeAreInverse() {
        for (String s : new String[]{"", "plain", "\\", "\r\n\t", "\u0000\u001f\u007f", "é▁日本", "\\x41"}) {
            String e = TokenizerFile.escape(s);
            assertFalse(e.contains("\n") || e.contains("\r"));
            assertEquals(s, TokenizerFile.unescape(e));
        }
        assertEquals("A", TokenizerFile.unescape("\\x41"));
        assertEquals("\\r", TokenizerFile.escape("\r"));
    }
}
