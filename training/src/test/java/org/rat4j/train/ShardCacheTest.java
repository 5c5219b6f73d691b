package org.rat4j.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rat4j.data.shard.TokenShards;
import org.rat4j.train.config.ExperimentConfig;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Text inputs are tokenized once into data.shard_dir and tokenized again, in place, when they change. */
class ShardCacheTest {
    @Test
    void changedInputsAreTokenizedAgainInTheirCacheFolder(@TempDir Path dir) throws Exception {
        TrainingModesTest.CharTokenizer tok = new TrainingModesTest.CharTokenizer();
        Path text = dir.resolve("corpus.txt");
        ExperimentConfig cfg = TestRuns.config(TestRuns.rat(), dir.resolve("run"), "data.shard_dir=" + dir.resolve("shards"));
        Files.writeString(text, "abc def\n\nghi\n");
        long first = TrainingSetup.shards(text.toString(), cfg.data(), tok, false).size();
        assertEquals(first, TrainingSetup.shards(text.toString(), cfg.data(), tok, false).size(), "reused");

        // The cache folder now holds shards of other inputs: CorpusTokenizer.OtherInputsException, caught to tokenize again.
        Files.writeString(text, "abc def ghi jkl\n\nmno pqr\n\nstu\n");
        TokenShards again = TrainingSetup.shards(text.toString(), cfg.data(), tok, false);
        ExperimentConfig fresh = TestRuns.config(TestRuns.rat(), dir.resolve("run"), "data.shard_dir=" + dir.resolve("fresh"));
        long want = TrainingSetup.shards(text.toString(), fresh.data(), tok, false).size();
        assertNotEquals(first, want);
        assertEquals(want, again.size());
        try (var s = Files.list(dir.resolve("shards"))) {
            assertEquals(1, s.count(), "one cache folder, replaced in place");
        }
    }
}
