package org.rat4j.data.shard;

import org.rat4j.io.Checksums;
import org.rat4j.config.ConfigException;
import org.rat4j.data.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.MappedByteBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * A token-shard directory written by {@code rat4j tokenize}, memory-mapped read-only. Opening checks the index,
 * that every shard has the size the index says (a truncated shard is an error, never silently short data) and, by
 * default, every shard's SHA-256. Thread-safe for reading.
 */
public final class TokenShards implements TokenSource {
    private final Path dir;
    private final ShardIndex index;
    private final TokenDtype dtype;
    /** Per shard: its first token's global position; one extra entry holds the total. */
    private final long[] starts;
    private final ShortBuffer[] shorts;
    private final IntBuffer[] ints;

    private TokenShards(Path dir, ShardIndex index, boolean verifyChecksums) {
        this.dir = dir;
        this.index = index;
        this.dtype = TokenDtype.fromJson(index.dtype());
        List<ShardIndex.ShardInfo> list = index.shards();
        starts = new long[list.size() + 1];
        shorts = new ShortBuffer[list.size()];
        ints = new IntBuffer[list.size()];
        long total = 0;
        for (int i = 0; i < list.size(); i++) {
            ShardIndex.ShardInfo s = list.get(i);
            checkShardFile(dir, s, dtype, verifyChecksums);
            starts[i] = total;
            total += s.tokens();
            MappedByteBuffer map = map(dir.resolve(s.file()));
            map.order(ByteOrder.LITTLE_ENDIAN);
            if (dtype == TokenDtype.UINT16) shorts[i] = map.asShortBuffer();
            else ints[i] = map.asIntBuffer();
        }
        starts[list.size()] = total;
        if (total != index.totalTokens()) {
            throw new ConfigException(dir.resolve(ShardIndex.FILE) + " says " + index.totalTokens() + " tokens but its shards hold "
                    + total + "; the index is corrupt, re-run rat4j tokenize with --force");
        }
    }

    /** Opens a shard directory and verifies every shard's checksum. */
    public static TokenShards open(Path dir) {
        return open(dir, true);
    }

    /**
     * Opens a shard directory. Sizes are always checked; {@code verifyChecksums} also reads every byte once to
     * compare SHA-256 (about 1 s per GB).
     */
    public static TokenShards open(Path dir, boolean verifyChecksums) {
        return new TokenShards(dir, readIndex(dir), verifyChecksums);
    }

    /** Reads and checks {@code index.json} of a shard directory. */
    public static ShardIndex readIndex(Path dir) {
        Path file = dir.resolve(ShardIndex.FILE);
        if (!Files.isDirectory(dir)) throw new ConfigException("token shard directory " + dir + " does not exist; create it with rat4j tokenize --out " + dir);
        if (!Files.isRegularFile(file)) {
            String why = Files.exists(dir.resolve(TokenizeProgress.FILE)) ? "its tokenization did not finish; run the same rat4j tokenize command again to resume it"
                    : "it is not a token shard directory; create one with rat4j tokenize --out " + dir;
            throw new ConfigException(dir + " has no " + ShardIndex.FILE + ": " + why);
        }
        ShardIndex index;
        try {
            index = ShardIndex.mapper().readValue(file.toFile(), ShardIndex.class);
        } catch (IOException e) {
            throw new ConfigException(file + " is not a valid shard index (" + e.getMessage() + "); re-run rat4j tokenize with --force");
        }
        if (!ShardIndex.FORMAT.equals(index.format())) throw new ConfigException(file + " is not a rat4j token shard index (format " + index.format() + ")");
        if (index.version() != ShardIndex.VERSION) {
            throw new ConfigException(file + " has format version " + index.version() + "; this rat4j reads version " + ShardIndex.VERSION
                    + "; re-run rat4j tokenize");
        }
        if (index.tokenizer() == null || index.shards() == null || index.shards().isEmpty() || index.dtype() == null) {
            throw new ConfigException(file + " lacks the tokenizer, dtype or shard list; re-run rat4j tokenize with --force");
        }
        return index;
    }

    /** Checks that a shard file exists with the size the index gives and, if asked, its checksum. */
    static void checkShardFile(Path dir, ShardIndex.ShardInfo s, TokenDtype dtype, boolean verifyChecksum) {
        Path f = dir.resolve(s.file());
        try {
            if (!Files.isRegularFile(f)) {
                throw new ConfigException("shard " + f + " is missing; the shard directory is incomplete, re-run rat4j tokenize with --force");
            }
            long expected = s.tokens() * dtype.bytes();
            long actual = Files.size(f);
            if (actual != expected) {
                throw new ConfigException("shard " + f + " has " + actual + " bytes but the index says " + s.tokens() + " tokens ("
                        + expected + " bytes); the file is " + (actual < expected ? "truncated" : "longer than written")
                        + ", re-run rat4j tokenize with --force");
            }
            if (verifyChecksum) {
                String sha = Checksums.sha256(f);
                if (!sha.equals(s.sha256())) {
                    throw new ConfigException("shard " + f + " does not match its checksum in the index (sha256 " + sha + ", expected "
                            + s.sha256() + "); the file is corrupt, re-run rat4j tokenize with --force");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + f, e);
        }
    }

    private static MappedByteBuffer map(Path f) {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
        } catch (IOException e) {
            throw new UncheckedIOException("could not map " + f, e);
        }
    }

    /**
     * Fails unless these shards were written with {@code tokenizer}: ids from another vocabulary would train or
     * score silently wrong.
     */
    public void requireTokenizer(Tokenizer tokenizer) {
        requireTokenizer(tokenizer.id(), tokenizer.hash());
    }

    /** Fails unless the shards' tokenizer has this id and file hash. */
    public void requireTokenizer(String id, String sha256) {
        ShardIndex.TokenizerInfo t = index.tokenizer();
        if (!t.id().equals(id) || !t.sha256().equals(sha256)) {
            throw new ConfigException("the token shards in " + dir + " were written with tokenizer " + t.id() + " (sha256 "
                    + abbreviate(t.sha256()) + ") but the model uses " + id + " (sha256 " + abbreviate(sha256)
                    + "); re-tokenize the corpus with the model's tokenizer (rat4j tokenize --tokenizer ...)");
        }
    }

    /** Fails unless every id fits a model with {@code modelVocab} embeddings. */
    public void requireVocab(int modelVocab) {
        if (index.tokenizer().vocabSize() > modelVocab) {
            throw new ConfigException("the token shards in " + dir + " use a vocabulary of " + index.tokenizer().vocabSize()
                    + " ids but the model has " + modelVocab + "; use a model with vocab_size " + index.tokenizer().vocabSize());
        }
    }

    private static String abbreviate(String sha) {
        return sha == null ? "?" : sha.substring(0, Math.min(12, sha.length()));
    }

    @Override
    public long size() {
        return starts[starts.length - 1];
    }

    @Override
    public void read(long pos, int[] dst, int off, int len) {
        if (pos < 0 || len < 0 || pos + len > size()) {
            throw new IndexOutOfBoundsException("tokens [" + pos + ", " + (pos + len) + ") of " + size());
        }
        int shard = shardOf(pos);
        while (len > 0) {
            int local = (int) (pos - starts[shard]);
            int n = (int) Math.min(len, starts[shard + 1] - pos);
            if (dtype == TokenDtype.UINT16) {
                ShortBuffer b = shorts[shard];
                for (int i = 0; i < n; i++) dst[off + i] = Short.toUnsignedInt(b.get(local + i));
            } else {
                IntBuffer b = ints[shard];
                for (int i = 0; i < n; i++) dst[off + i] = b.get(local + i);
            }
            pos += n;
            off += n;
            len -= n;
            shard++;
        }
    }

    private int shardOf(long pos) {
        int i = java.util.Arrays.binarySearch(starts, 0, starts.length - 1, pos);
        if (i >= 0) {
            while (i + 1 < starts.length - 1 && starts[i + 1] == pos) i++; // skip empty shards
            return i;
        }
        return -i - 2;
    }

    /** Global token offset where each document starts, in stream order. */
    public long[] documentStarts() {
        long[] out = new long[(int) index.documents()];
        int k = 0;
        for (int i = 0; i < index.shards().size(); i++) {
            for (long o : index.shards().get(i).docOffsets()) out[k++] = starts[i] + o;
        }
        return out;
    }

    public long documentCount() {
        return index.documents();
    }

    @Override
    public int vocabSize() {
        return index.tokenizer().vocabSize();
    }

    @Override
    public int eosId() {
        return index.tokenizer().eosId();
    }

    public String tokenizerId() {
        return index.tokenizer().id();
    }

    public String tokenizerHash() {
        return index.tokenizer().sha256();
    }

    public TokenDtype dtype() {
        return dtype;
    }

    public ShardIndex index() {
        return index;
    }

    public Path directory() {
        return dir;
    }
}
