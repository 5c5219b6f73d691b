package org.rat4j.data.shard;

/**
 * A read-only stream of token ids: the concatenated documents, each ending in EOS. {@link TokenShards} maps a shard
 * directory; {@link ArrayTokenSource} holds ids in memory.
 */
public interface TokenSource {
    /** Number of tokens. */
    long size();

    /** Copies tokens {@code [pos, pos + len)} into {@code dst[off, off + len)}. */
    void read(long pos, int[] dst, int off, int len);

    /** The token at {@code pos}. */
    default int get(long pos) {
        int[] one = new int[1];
        read(pos, one, 0, 1);
        return one[0];
    }

    /** Ids lie in {@code [0, vocabSize())}. */
    int vocabSize();

    /** The id that ends each document. */
    int eosId();
}
