package org.rat4j.data.shard;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rat4j.config.ConfigException;
import org.rat4j.data.TestTokenizers;
import org.rat4j.data.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class TokenShardsTest {
    @TempDir
    Path dir;
    private Path out;
    private final Tokenizer tok = TestTokenizers.tiny();

    @BeforeEach
    void shards() throws IOException {
        List<Path> in = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Path f = dir.resolve("d" + i + ".txt");
            Files.writeString(f, "hello abc ".repeat(10 + 7 * i) + i);
            in.add(f);
        }
        out = dir.resolve("shards");
        new CorpusTokenizer(new CorpusTokenizer.Options(in, out, tok, "text", 2, 60, false, false)).run();
    }

    @Test
    void readsAcrossShardBoundaries() {
        TokenShards s = TokenShards.open(out);
        assertTrue(s.index().shards().size() >= 3);
        int[] all = new int[(int) s.size()];
        s.read(0, all, 0, all.length);
        long firstEnd = s.index().shards().get(0).tokens();
        int[] window = new int[20];
        s.read(firstEnd - 10, window, 0, 20);
        assertArrayEquals(java.util.Arrays.copyOfRange(all, (int) firstEnd - 10, (int) firstEnd + 10), window);
        for (int i = 0; i < all.length; i += 17) assertEquals(all[i], s.get(i));
        assertThrows(IndexOutOfBoundsException.class, () -> s.read(s.size() - 1, new int[2], 0, 2));
    }

    @Test
    void truncatedShardIsNamed() throws IOException {
        Path shard = out.resolve("shard-00001.bin");
        try (RandomAccessFile f = new RandomAccessFile(shard.toFile(), "rw")) {
            f.setLength(f.length() - 2);
        }
        ConfigException e = assertThrows(ConfigException.class, () -> TokenShards.open(out, false));
        assertTrue(e.getMessage().contains(shard.toString()) && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void corruptedShardFailsItsChecksum() throws IOException {
        Path shard = out.resolve("shard-00000.bin");
        byte[] b = Files.readAllBytes(shard);
        b[3] ^= 1;
        Files.write(shard, b);
        ConfigException e = assertThrows(ConfigException.class, () -> TokenShards.open(out));
        assertTrue(e.getMessage().contains("checksum") && e.getMessage().contains(shard.toString()), e.getMessage());
        TokenShards.open(out, false); // sizes still fine: opening without the checksum pass works
    }

    @Test
    void otherTokenizerIsRefused() {
        TokenShards s = TokenShards.open(out);
        s.requireTokenizer(tok);
        ConfigException e = assertThrows(ConfigException.class, () -> s.requireTokenizer("llama2-32000", "0123456789abcdef0123"));
        assertTrue(e.getMessage().contains("tiny-test") && e.getMessage().contains("llama2-32000")
                && e.getMessage().contains("rat4j tokenize"), e.getMessage());
        s.requireVocab(32000);
        assertThrows(ConfigException.class, () -> s.requireVocab(100));
    }

    @Test
    void missingOrForeignDirectoriesAreExplained() throws IOException {
        ConfigException e = assertThrows(ConfigException.class, () -> TokenShards.open(dir.resolve("none")));
        assertTrue(e.getMessage().contains("rat4j tokenize"), e.getMessage());
        Files.writeString(out.resolve(ShardIndex.FILE), "{\"format\": \"something-else\", \"version\": 1}");
        e = assertThrows(ConfigException.class, () -> TokenShards.open(out));
        assertTrue(e.getMessage().contains("not a rat4j token shard index"), e.getMessage());
        Files.writeString(out.resolve(ShardIndex.FILE), "{not json");
        assertThrows(ConfigException.class, () -> TokenShards.open(out));
    }

    @Test
    void missingShardIsNamed() throws IOException {
        Files.delete(out.resolve("shard-00002.bin"));
        ConfigException e = assertThrows(ConfigException.class, () -> TokenShards.open(out));
        assertTrue(e.getMessage().contains("shard-00002.bin") && e.getMessage().contains("missing"), e.getMessage());
    }
}
