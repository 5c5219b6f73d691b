package org.rat4j.data.tokenizer;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The data of a SentencePiece-style BPE tokenizer: the pieces in id order, the merges in priority order and the
 * special ids. This is what a tokenizer file holds ({@link TokenizerFile}); {@link BpeTokenizer} turns it into an
 * encoder. Only JDK types are used here because the set-up script compiles this class without Maven.
 *
 * @param id             short name stored in shards and checked against models, e.g. {@code llama2-32000}
 * @param pieces         piece strings by id; spaces appear as {@code ▁} (U+2581), raw bytes as {@code <0xNN>}
 * @param mergeLeft      left piece id of each merge, highest priority first
 * @param mergeRight     right piece id of each merge, same order as {@code mergeLeft}
 * @param unkId          id of {@code <unk>}
 * @param bosId          id of the beginning-of-sequence token
 * @param eosId          id of the end-of-sequence token
 * @param addPrefixSpace whether encoding puts one space before the text (SentencePiece's "dummy prefix")
 * @param metadata       free-form provenance lines (source package, its checksum), kept in file order
 */
public record TokenizerModel(String id, List<String> pieces, int[] mergeLeft, int[] mergeRight, int unkId, int bosId,
                             int eosId, boolean addPrefixSpace, Map<String, String> metadata) {
    public TokenizerModel {
        Objects.requireNonNull(id, "id");
        pieces = List.copyOf(pieces);
        if (mergeLeft.length != mergeRight.length) {
            throw new IllegalArgumentException("merge arrays differ in length: " + mergeLeft.length + " vs " + mergeRight.length);
        }
        mergeLeft = mergeLeft.clone();
        mergeRight = mergeRight.clone();
        metadata = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    public int vocabSize() {
        return pieces.size();
    }

    public int mergeCount() {
        return mergeLeft.length;
    }

    @Override
    public int[] mergeLeft() {
        return mergeLeft.clone();
    }

    @Override
    public int[] mergeRight() {
        return mergeRight.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenizerModel m && id.equals(m.id) && pieces.equals(m.pieces)
                && Arrays.equals(mergeLeft, m.mergeLeft) && Arrays.equals(mergeRight, m.mergeRight)
                && unkId == m.unkId && bosId == m.bosId && eosId == m.eosId && addPrefixSpace == m.addPrefixSpace
                && metadata.equals(m.metadata);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, pieces, Arrays.hashCode(mergeLeft), Arrays.hashCode(mergeRight), unkId, bosId, eosId);
    }
}
