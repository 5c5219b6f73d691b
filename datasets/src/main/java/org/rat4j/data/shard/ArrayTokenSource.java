package org.rat4j.data.shard;

import org.rat4j.config.ConfigException;

import java.util.Objects;

/** A {@link TokenSource} over an int array: small corpora, tests, and token streams built in memory. */
public final class ArrayTokenSource implements TokenSource {
    private final int[] tokens;
    private final int vocabSize;
    private final int eosId;

    public ArrayTokenSource(int[] tokens, int vocabSize, int eosId) {
        this.tokens = Objects.requireNonNull(tokens).clone();
        this.vocabSize = vocabSize;
        this.eosId = eosId;
        for (int i = 0; i < this.tokens.length; i++) {
            if (this.tokens[i] < 0 || this.tokens[i] >= vocabSize) {
                throw new ConfigException("token " + this.tokens[i] + " at position " + i + " is outside the vocabulary [0, " + vocabSize + ")");
            }
        }
    }

    @Override
    public long size() {
        return tokens.length;
    }

    @Override
    public void read(long pos, int[] dst, int off, int len) {
        if (pos < 0 || pos + len > tokens.length) {
            throw new IndexOutOfBoundsException("tokens [" + pos + ", " + (pos + len) + ") of " + tokens.length);
        }
        System.arraycopy(tokens, (int) pos, dst, off, len);
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int eosId() {
        return eosId;
    }
}
