package org.rat4j.data.shard;

import org.apache.commons.cli.MissingOptionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rat4j.config.ConfigException;
import org.rat4j.data.TestTokenizers;
import org.rat4j.data.tokenizer.TokenizerFile;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class TokenizeCommandTest {
    @TempDir
    Path dir;

    @Test
    void tokenizesFilesWithAGivenTokenizer() throws Exception {
        Path tokFile = dir.resolve("tiny.tokenizer");
        TokenizerFile.write(tokFile, TestTokenizers.model("tiny-cli", TestTokenizers.TINY_PIECES, TestTokenizers.TINY_MERGES));
        Path in = Files.createDirectories(dir.resolve("in"));
        Files.writeString(in.resolve("a.txt"), "hello abc");
        Files.writeString(in.resolve("b.jsonl"), "{\"body\": \"bc\"}\n{\"body\": \"aaa\"}\n");
        Path out = dir.resolve("out");
        TokenizeCommand cmd = new TokenizeCommand();
        assertEquals("tokenize", cmd.name());
        int rc = cmd.run(new String[]{"--input", in.toString(), "--out", out.toString(), "--tokenizer", tokFile.toString(),
                "--text-field", "body", "--threads", "2", "--no-progress"});
        assertEquals(0, rc);
        TokenShards s = TokenShards.open(out);
        assertEquals("tiny-cli", s.tokenizerId());
        int[] all = new int[(int) s.size()];
        s.read(0, all, 0, all.length);
        // a.txt: ▁hello ▁ abc EOS; b.jsonl: ▁ bc EOS, ▁a aa EOS  (sorted: a.txt before b.jsonl)
        assertArrayEquals(new int[]{279, 259, 271, 2, 259, 270, 2, 269, 274, 2}, all);
        assertEquals(0, cmd.run(new String[]{"--input", in.toString(), "--out", out.toString(), "--tokenizer", tokFile.toString(),
                "--text-field", "body", "--no-progress"}), "a second run is up to date");

        // --split paragraphs: each paragraph of a text file is a document with its own EOS
        Path para = Files.writeString(dir.resolve("p.txt"), "hello\n\nabc\n");
        Path out2 = dir.resolve("out2");
        assertEquals(0, cmd.run(new String[]{"--input", para.toString(), "--out", out2.toString(), "--tokenizer", tokFile.toString(),
                "--split", "paragraphs", "--doc-chars", "100", "--no-progress"}));
        TokenShards p = TokenShards.open(out2);
        assertEquals(2, p.documentCount());
    }

    @Test
    void helpAndBadArguments() throws Exception {
        TokenizeCommand cmd = new TokenizeCommand();
        assertEquals(0, cmd.run(new String[]{"--help"}));
        assertThrows(MissingOptionException.class, () -> cmd.run(new String[]{"--input", dir.toString()}));
        ConfigException e = assertThrows(ConfigException.class,
                () -> cmd.run(new String[]{"--input", dir.resolve("none").toString(), "--out", dir.resolve("o").toString()}));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> cmd.run(new String[]{"--input", dir.toString(), "--out", dir.toString(), "--threads", "zero"}));
        assertTrue(e.getMessage().contains("--threads"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> cmd.run(new String[]{"--input", dir.toString(), "--out", dir.toString(), "--split", "lines"}));
        assertTrue(e.getMessage().contains("--split") && e.getMessage().contains("paragraphs"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> cmd.run(new String[]{"--input", dir.toString(), "--out", dir.toString(), "--doc-chars", "1"}));
        assertTrue(e.getMessage().contains("--doc-chars"), e.getMessage());
        // more threads than the heap can feed: refused before anything is read
        Path text = Files.writeString(dir.resolve("some.txt"), "some text");
        e = assertThrows(ConfigException.class, () -> cmd.run(new String[]{"--input", text.toString(), "--out", dir.resolve("t").toString(),
                "--threads", "100000", "--tokenizer", "gpt2"}));
        assertTrue(e.getMessage().startsWith("tokenizing with 100000 thread(s), shards of 33,554,432 tokens and documents of up to "
                + "1,048,576 characters needs 4394.72 GiB of memory but the JVM heap"), e.getMessage());
        assertTrue(e.getMessage().endsWith("lower --threads, --shard-tokens or --doc-chars, or give the JVM more heap"));
        // --out naming an existing file: one line, before any input is read
        Path file = Files.writeString(dir.resolve("taken.txt"), "x");
        e = assertThrows(ConfigException.class, () -> cmd.run(new String[]{"--input", dir.resolve("none").toString(), "--out", file.toString()}));
        assertEquals("--out " + file + " is a file, not a directory; give another path", e.getMessage());
        e = assertThrows(ConfigException.class, () -> cmd.run(new String[]{"--input", dir.resolve("none").toString(), "--out",
                file.resolve("sub").toString()}));
        assertEquals("--out " + file.resolve("sub") + ": " + file.toAbsolutePath() + " is a file, not a directory; give another path",
                e.getMessage());
    }
}
