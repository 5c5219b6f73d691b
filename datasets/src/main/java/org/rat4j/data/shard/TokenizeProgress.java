package org.rat4j.data.shard;

import java.util.List;

/**
 * {@code progress.json}: what an unfinished {@code rat4j tokenize} has written, so a re-run continues after the
 * last complete shard instead of starting over.
 *
 * @param fingerprint  the run's fingerprint ({@link ShardIndex#fingerprint()}); a different one cannot resume
 * @param shards       the shards already written, each complete and checksummed
 * @param nextFile     index (in the input list) of the file holding the first document not yet in a shard
 * @param nextDocument index of that document within its file
 * @param inputs       per-input counts up to that point
 */
public record TokenizeProgress(String fingerprint, List<ShardIndex.ShardInfo> shards, int nextFile, long nextDocument,
                               List<ShardIndex.InputInfo> inputs) {
    public static final String FILE = "progress.json";
}
