package org.rat4j.data.shard;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.util.List;

/**
 * The {@code index.json} of a token-shard directory (docs/datasets.md, "Token shards"). Field names are
 * snake_case in the file.
 *
 * @param format        always {@value #FORMAT}
 * @param version       format version, {@value #VERSION}
 * @param tokenizer     the tokenizer that wrote the shards
 * @param dtype         {@code uint16} or {@code int32}, little-endian
 * @param totalTokens   tokens over all shards
 * @param documents     documents over all shards; each ends with one EOS
 * @param shards        the shard files, in stream order
 * @param inputs        the input files with their document and token counts
 * @param textField     the JSONL field read from JSONL inputs
 * @param fingerprint   SHA-256 over the settings and the inputs' paths, sizes and modification times: a re-run with
 *                      the same fingerprint is up to date (or resumes)
 * @param created       ISO-8601 time the index was written
 */
public record ShardIndex(String format, int version, TokenizerInfo tokenizer, String dtype, long totalTokens, long documents,
                         List<ShardInfo> shards, List<InputInfo> inputs, String textField, String fingerprint, String created) {
    public static final String FORMAT = "rat4j-token-shards";
    public static final int VERSION = 1;
    public static final String FILE = "index.json";

    /** The tokenizer recorded in an index: models compare {@code id} and {@code sha256} with their own. */
    public record TokenizerInfo(String id, String sha256, int vocabSize, int bosId, int eosId) {
    }

    /**
     * One shard file.
     *
     * @param file       file name inside the directory, e.g. {@code shard-00000.bin}
     * @param tokens     tokens in the file (its size is {@code tokens * dtype bytes})
     * @param sha256     SHA-256 of the file's bytes
     * @param docOffsets offset (in tokens, within this shard) where each of its documents starts; documents never
     *                   span shards
     */
    public record ShardInfo(String file, long tokens, String sha256, long[] docOffsets) {
    }

    /** One input file and what it contributed. */
    public record InputInfo(String path, long bytes, long documents, long tokens) {
    }

    /** The JSON mapper for index and progress files. */
    static ObjectMapper mapper() {
        return new ObjectMapper()
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(SerializationFeature.INDENT_OUTPUT)
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }
}
