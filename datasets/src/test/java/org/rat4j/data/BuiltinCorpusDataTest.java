package org.rat4j.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rat4j.data.iter.SamplingMode;
import org.rat4j.data.iter.TokenWindowSampler;
import org.rat4j.data.setup.BuiltinCorpus;
import org.rat4j.data.shard.CorpusTokenizer;
import org.rat4j.data.shard.TokenShards;
import org.rat4j.data.text.Document;
import org.rat4j.data.text.DocumentReader;
import org.rat4j.data.text.InputResolver;
import org.rat4j.data.tokenizer.Tokenizer;
import org.rat4j.model.TokenBatch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Checks on the real built-in corpus and LLaMA-2 tokenizer; skipped until scripts/fetch-data.sh has run. */
class BuiltinCorpusDataTest {
    @TempDir
    Path dir;

    @Test
    void manifestFollowsTheDocumentedSplit() throws Exception {
        Path corpus = DataHome.find(InputResolver.BUILTIN_DIR);
        assumeTrue(corpus != null, "data/corpus is absent: run scripts/fetch-data.sh to enable this test");
        List<String> lines = Files.readAllLines(corpus.resolve("manifest.tsv"));
        assertEquals(1 + 1137, lines.size());
        int valid = 0;
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split("\t");
            assertEquals(BuiltinCorpus.split(f[0]), f[1], f[0]);
            assertTrue(Files.isRegularFile(corpus.resolve(f[1]).resolve(f[0] + ".txt")), f[0]);
            if (f[1].equals("valid")) valid++;
        }
        assertEquals(33, valid);
    }

    @Test
    void shardsOfTheValidationSplitEqualAReEncode() throws Exception {
        Tokenizer tok = TestTokenizers.llamaOrSkip();
        assumeTrue(DataHome.find(InputResolver.BUILTIN_DIR) != null, "data/corpus is absent: run scripts/fetch-data.sh");
        List<Path> files = InputResolver.resolve(List.of("builtin:valid"));
        Path out = dir.resolve("valid");
        CorpusTokenizer.Result r = new CorpusTokenizer(new CorpusTokenizer.Options(files, out, tok, "text", 2, 1 << 16, false, false)).run();
        long expected = 0;
        for (Path f : files) for (Document d : DocumentReader.readAll(f, "text")) expected += tok.encode(d.text(), false).length + 1;
        assertEquals(expected, r.tokens());
        TokenShards shards = TokenShards.open(out);
        shards.requireTokenizer(tok);
        assertEquals(files.size(), shards.documentCount());

        // windows of real text: inputs and targets are the stream shifted by one, targets after EOS ignored
        TokenWindowSampler s = new TokenWindowSampler(shards, 256, 4, SamplingMode.ORDERED, 0);
        TokenBatch b = s.nextBatch();
        int[] stream = new int[4 * 256 + 1];
        shards.read(0, stream, 0, stream.length);
        for (int row = 0; row < 4; row++) {
            for (int t = 0; t < 256; t++) {
                int in = stream[row * 256 + t];
                assertEquals(in, b.inputs()[row][t]);
                assertEquals(in == tok.eosId() ? TokenBatch.IGNORE : stream[row * 256 + t + 1], b.targets()[row][t]);
            }
        }
    }
}
