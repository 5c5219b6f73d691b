package org.rat4j.data.shard;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rat4j.config.ConfigException;
import org.rat4j.data.IntList;
import org.rat4j.data.TestTokenizers;
import org.rat4j.data.text.Document;
import org.rat4j.data.text.DocumentReader;
import org.rat4j.data.text.TextSplit;
import org.rat4j.data.text.TextSplitReference;
import org.rat4j.data.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class CorpusTokenizerTest {
    @TempDir
    Path dir;
    private final Tokenizer tok = TestTokenizers.tiny();
    private List<Path> inputs;

    @BeforeEach
    void corpus() throws IOException {
        // 12 text files and one JSONL file of 40 documents, of varied lengths
        Random rng = new Random(7);
        inputs = new ArrayList<>();
        Path in = Files.createDirectories(dir.resolve("in"));
        String[] words = {"hello", "abc", "aa", "bc", "ab", "cab", "é", "日本", "\n", "  ", "hell"};
        for (int f = 0; f < 12; f++) {
            Path p = in.resolve(String.format("doc%02d.txt", f));
            Files.writeString(p, randomText(rng, words, 5 + rng.nextInt(300)));
            inputs.add(p);
        }
        StringBuilder jsonl = new StringBuilder();
        for (int d = 0; d < 40; d++) {
            jsonl.append("{\"text\": \"").append(randomText(rng, words, 1 + rng.nextInt(60)).replace("\n", "\\n")).append("\"}\n");
        }
        Path j = in.resolve("docs.jsonl");
        Files.writeString(j, jsonl);
        inputs.add(j);
    }

    private static String randomText(Random rng, String[] words, int n) {
        StringBuilder sb = new StringBuilder("start");
        for (int i = 0; i < n; i++) sb.append(' ').append(words[rng.nextInt(words.length)]);
        return sb.toString();
    }

    private CorpusTokenizer.Options options(Path out, int threads, long shardTokens) {
        return new CorpusTokenizer.Options(inputs, out, tok, "text", threads, shardTokens, false, false);
    }

    /** The stream the shards must hold: each document encoded without BOS, then EOS. */
    private int[] reencode() {
        IntList all = new IntList();
        for (Path f : inputs) {
            for (Document d : DocumentReader.readAll(f, "text")) {
                all.addAll(tok.encode(d.text(), false));
                all.add(tok.eosId());
            }
        }
        return all.toArray();
    }

    private static int[] readAll(TokenShards s) {
        int[] out = new int[(int) s.size()];
        s.read(0, out, 0, out.length);
        return out;
    }

    @Test
    void shardsHoldEveryDocumentFollowedByEos() throws IOException {
        Path out = dir.resolve("shards");
        CorpusTokenizer.Result r = new CorpusTokenizer(options(out, 2, 500)).run();
        int[] expected = reencode();
        assertEquals(expected.length, r.tokens());
        assertEquals(52, r.documents());
        assertTrue(r.shards() > 3, "small shards were asked for: " + r.shards());
        {
            TokenShards s = TokenShards.open(out);
            assertArrayEquals(expected, readAll(s));
            assertEquals(TokenDtype.UINT16, s.dtype());
            assertEquals(tok.id(), s.tokenizerId());
            assertEquals(tok.hash(), s.tokenizerHash());
            // each document start follows an EOS (or is the stream start), and documents end at the EOS count
            long[] starts = s.documentStarts();
            assertEquals(52, starts.length);
            assertEquals(0, starts[0]);
            for (int i = 1; i < starts.length; i++) assertEquals(tok.eosId(), s.get(starts[i] - 1));
            long eos = java.util.Arrays.stream(expected).filter(t -> t == tok.eosId()).count();
            assertEquals(52, eos);
            // shard files hold exactly their tokens as little-endian uint16
            for (ShardIndex.ShardInfo info : s.index().shards()) assertEquals(info.tokens() * 2, Files.size(out.resolve(info.file())));
        }
    }

    @Test
    void threadCountDoesNotChangeTheShards() throws IOException {
        Path one = dir.resolve("one");
        Path two = dir.resolve("two");
        new CorpusTokenizer(options(one, 1, 700)).run();
        new CorpusTokenizer(options(two, 2, 700)).run();
        ShardIndex a = TokenShards.readIndex(one);
        ShardIndex b = TokenShards.readIndex(two);
        assertEquals(a.shards().size(), b.shards().size());
        for (int i = 0; i < a.shards().size(); i++) {
            assertEquals(a.shards().get(i).sha256(), b.shards().get(i).sha256());
            assertArrayEquals(a.shards().get(i).docOffsets(), b.shards().get(i).docOffsets());
        }
    }

    @Test
    void rerunIsUpToDateAndOtherInputsAreRefused() throws IOException {
        Path out = dir.resolve("s");
        new CorpusTokenizer(options(out, 2, 1000)).run();
        CorpusTokenizer.Result again = new CorpusTokenizer(options(out, 2, 1000)).run();
        assertTrue(again.upToDate());
        assertEquals(0, again.newTokens());

        inputs = inputs.subList(0, 3);
        ConfigException e = assertThrows(ConfigException.class, () -> new CorpusTokenizer(options(out, 2, 1000)).run());
        assertTrue(e.getMessage().contains("--force"), e.getMessage());
        CorpusTokenizer.Options forced = new CorpusTokenizer.Options(inputs, out, tok, "text", 2, 1000, true, false);
        CorpusTokenizer.Result r = new CorpusTokenizer(forced).run();
        assertEquals(3, r.documents());
        assertArrayEquals(reencode(), readAll(TokenShards.open(out)));
    }

    @Test
    void interruptedRunResumesToTheSameShards() throws IOException {
        Path reference = dir.resolve("ref");
        new CorpusTokenizer(options(reference, 2, 400)).run();
        ShardIndex ref = TokenShards.readIndex(reference);
        assertTrue(ref.shards().size() >= 5);

        Path out = dir.resolve("resumed");
        CorpusTokenizer first = new CorpusTokenizer(options(out, 2, 400));
        first.stopAfterShards = 3;
        assertThrows(CorpusTokenizer.SimulatedCrash.class, first::run);
        assertFalse(Files.exists(out.resolve(ShardIndex.FILE)), "no index before the run completes");
        assertTrue(Files.exists(out.resolve(TokenizeProgress.FILE)));
        ConfigException unfinished = assertThrows(ConfigException.class, () -> TokenShards.open(out));
        assertTrue(unfinished.getMessage().contains("resume"), unfinished.getMessage());

        Path leftover = out.resolve(".shard-00003.bin.123456.tmp"); // what a kill during a shard write leaves
        Files.writeString(leftover, "partial");
        CorpusTokenizer.Result r = new CorpusTokenizer(options(out, 1, 400)).run();
        assertTrue(r.resumed());
        assertFalse(Files.exists(leftover));
        assertTrue(r.newTokens() < r.tokens(), "the resumed run skips the finished shards");
        ShardIndex done = TokenShards.readIndex(out);
        assertEquals(ref.shards().size(), done.shards().size());
        for (int i = 0; i < ref.shards().size(); i++) assertEquals(ref.shards().get(i).sha256(), done.shards().get(i).sha256());
        assertEquals(ref.inputs(), done.inputs());
        assertFalse(Files.exists(out.resolve(TokenizeProgress.FILE)));
    }

    /** A plain-text file of paragraphs, about 2,400 characters. */
    private Path paragraphFile() throws IOException {
        Random rng = new Random(3);
        String[] words = {"hello", "abc", "aa", "bc", "é", "日本", "hell", "cab"};
        StringBuilder sb = new StringBuilder();
        for (int para = 0; para < 40; para++) {
            sb.append(randomText(rng, words, 1 + rng.nextInt(12)).replace("start", "hello")).append('\n');
            if (rng.nextBoolean()) sb.append(randomText(rng, words, rng.nextInt(6))).append('\n');
            sb.append(rng.nextBoolean() ? "\n" : " \t\n");
        }
        return Files.writeString(dir.resolve("in/paragraphs.txt"), sb);
    }

    private int[] shardTokens(Path file, TextSplit split, String name) throws IOException {
        Path out = dir.resolve(name);
        new CorpusTokenizer(new CorpusTokenizer.Options(List.of(file), out, tok, "text", split, 2, 200, false, false)).run();
        return readAll(TokenShards.open(out));
    }

    @Test
    void plainTextDocumentsAndIdsEqualTheNonStreamingPath() throws IOException {
        Path file = paragraphFile();
        String whole = Files.readString(file); // the non-streaming path: the file as one string

        // default: the whole file is one document, as when it was read in one piece
        int[] ids = tok.encode(whole, false);
        int[] expected = java.util.Arrays.copyOf(ids, ids.length + 1);
        expected[ids.length] = tok.eosId();
        assertArrayEquals(expected, shardTokens(file, TextSplit.DEFAULT, "whole"));

        // paragraphs, and pieces of at most 60 characters: the documents of the whole-string reference
        for (TextSplit split : List.of(new TextSplit(TextSplit.Mode.PARAGRAPHS, TextSplit.DEFAULT_MAX_CHARS),
                new TextSplit(TextSplit.Mode.PARAGRAPHS, 60), new TextSplit(TextSplit.Mode.FILE, 60))) {
            List<TextSplitReference.Doc> docs = TextSplitReference.split(whole, split);
            assertTrue(docs.size() >= 30, split.describe() + ": " + docs.size());
            IntList all = new IntList();
            List<Long> starts = new ArrayList<>();
            for (TextSplitReference.Doc d : docs) {
                starts.add((long) all.size());
                all.addAll(tok.encode(d.text(), false));
                all.add(tok.eosId());
            }
            String name = split.mode().cliName() + split.maxChars();
            assertArrayEquals(all.toArray(), shardTokens(file, split, name), split.describe());
            assertEquals(starts, java.util.Arrays.stream(TokenShards.open(dir.resolve(name)).documentStarts()).boxed().toList());
        }
    }

    @Test
    void aRunInterruptedInsideATextFileResumesToTheSameShards() throws IOException {
        inputs = List.of(paragraphFile());
        TextSplit split = new TextSplit(TextSplit.Mode.PARAGRAPHS, 50);
        Path reference = dir.resolve("ref");
        new CorpusTokenizer(new CorpusTokenizer.Options(inputs, reference, tok, "text", split, 2, 150, false, false)).run();
        ShardIndex ref = TokenShards.readIndex(reference);
        assertTrue(ref.shards().size() >= 5, "shards: " + ref.shards().size());

        Path out = dir.resolve("resumed");
        CorpusTokenizer first = new CorpusTokenizer(new CorpusTokenizer.Options(inputs, out, tok, "text", split, 2, 150, false, false));
        first.stopAfterShards = 2;
        assertThrows(CorpusTokenizer.SimulatedCrash.class, first::run);
        CorpusTokenizer.Result r = new CorpusTokenizer(new CorpusTokenizer.Options(inputs, out, tok, "text", split, 1, 150, false, false)).run();
        assertTrue(r.resumed() && r.newTokens() < r.tokens());
        ShardIndex done = TokenShards.readIndex(out);
        assertEquals(ref.shards().size(), done.shards().size());
        for (int i = 0; i < ref.shards().size(); i++) assertEquals(ref.shards().get(i).sha256(), done.shards().get(i).sha256());

        // another split of the same text is another corpus
        ConfigException e = assertThrows(ConfigException.class, () -> new CorpusTokenizer(new CorpusTokenizer.Options(inputs, out, tok,
                "text", TextSplit.DEFAULT, 1, 150, false, false)).run());
        assertTrue(e.getMessage().contains("--force"), e.getMessage());
    }

    @Test
    void oneWriterPerDirectory() throws IOException {
        Path out = Files.createDirectories(dir.resolve("locked"));
        try (var ch = java.nio.channels.FileChannel.open(out.resolve(".lock"), java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE); var lock = ch.lock()) {
            ConfigException e = assertThrows(ConfigException.class, () -> new CorpusTokenizer(options(out, 1, 1000)).run());
            assertTrue(e.getMessage().contains("another rat4j tokenize"), e.getMessage());
        }
        assertEquals(52, new CorpusTokenizer(options(out, 1, 1000)).run().documents());
    }

    @Test
    void badInputStopsWithoutAnIndex() throws IOException {
        Path bad = dir.resolve("in/zz-bad.jsonl");
        Files.writeString(bad, "{\"text\": \"fine\"}\n{\"title\": \"no text\"}\n");
        inputs = new ArrayList<>(inputs);
        inputs.add(bad);
        Path out = dir.resolve("bad");
        ConfigException e = assertThrows(ConfigException.class, () -> new CorpusTokenizer(options(out, 2, 1 << 20)).run());
        assertTrue(e.getMessage().contains(bad + " line 2"), e.getMessage());
        assertFalse(Files.exists(out.resolve(ShardIndex.FILE)));
        try (var s = Files.list(out)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file is left behind");
        }
    }

    @Test
    void largeVocabulariesUseInt32() throws IOException {
        // 70,000 ids do not fit uint16
        List<String> pieces = new ArrayList<>(TestTokenizers.TINY_PIECES);
        for (int i = pieces.size() + 259; i < 70_000; i++) pieces.add("filler" + i);
        pieces.add("zz");
        pieces.add("z");
        Tokenizer big = TestTokenizers.fromModel(TestTokenizers.model("big", pieces, new String[][]{{"z", "z"}}));
        Path f = dir.resolve("in/z.txt");
        Files.writeString(f, "zz zz z");
        Path out = dir.resolve("int32");
        new CorpusTokenizer(new CorpusTokenizer.Options(List.of(f), out, big, "text", 1, 100, false, false)).run();
        TokenShards s = TokenShards.open(out);
        assertEquals(TokenDtype.INT32, s.dtype());
        int zz = 259 + pieces.indexOf("zz");
        int z = 259 + pieces.indexOf("z");
        assertTrue(zz > 65535);
        // "▁zz▁zz▁z": ▁ and z do not merge; z+z does
        assertArrayEquals(new int[]{259, zz, 259, zz, 259, z, 2}, readAll(s));
    }
}
