package org.rat4j.io;

import org.rat4j.config.ConfigException;

import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The tokenizer a model directory carries, as the core sees it: an id, the SHA-256 of the tokenizer's bytes, and
 * either the file holding those bytes or the name of a tokenizer built into rat4j. What the bytes mean (a rat4j
 * tokenizer file, GPT-2's rank table) is the datasets module's business ({@code org.rat4j.data.tokenizer.ModelTokenizers});
 * {@link ModelIO} only copies and verifies them.
 *
 * @param id      the tokenizer's short name, e.g. {@code llama2-32000}
 * @param sha256  SHA-256 (lower-case hex) of the tokenizer file, or of a built-in tokenizer's data
 * @param file    for a file tokenizer: the file to copy when saving, the copy inside the directory when loaded; else null
 * @param builtin for a built-in tokenizer: its name (e.g. {@code gpt2}); else null
 */
public record TokenizerEntry(String id, String sha256, Path file, String builtin) {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    public TokenizerEntry {
        Objects.requireNonNull(id, "id");
        if (id.isBlank()) throw new ConfigException("a tokenizer entry needs a non-empty id");
        if (sha256 == null || !SHA256.matcher(sha256).matches()) {
            throw new ConfigException("tokenizer " + id + ": '" + sha256 + "' is not a SHA-256 (64 lower-case hex digits)");
        }
        if ((file == null) == (builtin == null)) {
            throw new IllegalArgumentException("a tokenizer entry has either a file or a built-in name, not both or neither");
        }
    }

    /** A tokenizer file, copied into the model directory when saved; its bytes must hash to {@code sha256}. */
    public static TokenizerEntry ofFile(String id, String sha256, Path file) {
        return new TokenizerEntry(id, sha256, Objects.requireNonNull(file, "file"), null);
    }

    /** A tokenizer built into rat4j, recorded by name and checksum only. */
    public static TokenizerEntry ofBuiltin(String id, String sha256, String builtin) {
        return new TokenizerEntry(id, sha256, null, Objects.requireNonNull(builtin, "builtin"));
    }

    public boolean isBuiltin() {
        return builtin != null;
    }
}
