package org.rat4j.data.shard;

import org.rat4j.config.ConfigException;

/** How a shard stores token ids: little-endian uint16 when every id fits, else little-endian int32. */
public enum TokenDtype {
    UINT16(2),
    INT32(4);

    private final int bytes;

    TokenDtype(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per token. */
    public int bytes() {
        return bytes;
    }

    /** The name in index.json: {@code uint16} or {@code int32}. */
    public String jsonName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** uint16 for vocabularies of at most 65,536 ids (LLaMA-2's 32,000), else int32. */
    public static TokenDtype forVocab(int vocabSize) {
        return vocabSize <= 65536 ? UINT16 : INT32;
    }

    public static TokenDtype fromJson(String name) {
        for (TokenDtype t : values()) if (t.jsonName().equals(name)) return t;
        throw new ConfigException("unknown token dtype '" + name + "' in a shard index; expected uint16 or int32");
    }
}
