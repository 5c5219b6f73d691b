package org.rat4j.data.tokenizer;

import org.rat4j.config.ConfigException;
import org.rat4j.data.DataHome;
import org.rat4j.io.Checksums;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Loads tokenizers from rat4j tokenizer files ({@link TokenizerFile}). Loaded tokenizers are cached per file. */
public final class Tokenizers {
    /** Where scripts/fetch-data.sh writes the LLaMA-2 tokenizer, relative to the rat4j checkout. */
    public static final String DEFAULT_FILE = "data/tokenizer/llama2.tokenizer";
    /** System property naming a tokenizer file that replaces the default. */
    public static final String FILE_PROPERTY = "rat4j.tokenizer";

    private static final Map<Path, Tokenizer> CACHE = new ConcurrentHashMap<>();

    private Tokenizers() {
    }

    /** Loads a tokenizer file; {@link Tokenizer#hash()} is the SHA-256 of its bytes. */
    public static Tokenizer load(Path file) {
        return load(file, null);
    }

    /**
     * Loads a tokenizer file whose bytes must have the SHA-256 {@code sha256} (null: any). A cached tokenizer is
     * used only if it has that checksum, so a file replaced since it was cached (a model saved again into the same
     * directory) is read again.
     */
    public static Tokenizer load(Path file, String sha256) {
        Path key = file.toAbsolutePath().normalize();
        Tokenizer cached = CACHE.get(key);
        if (cached != null && (sha256 == null || sha256.equals(cached.hash()))) return cached;
        try {
            if (!Files.isRegularFile(key)) {
                throw new ConfigException("tokenizer file " + file + " does not exist; " + DataHome.SETUP_HINT
                        + ", or pass the path of an existing tokenizer file");
            }
            String hash = sha256(key);
            if (sha256 != null && !sha256.equals(hash)) {
                throw new ConfigException("tokenizer file " + file + " has SHA-256 " + Checksums.abbreviate(hash) + ", not the expected "
                        + Checksums.abbreviate(sha256) + ": it was replaced or damaged");
            }
            Tokenizer t = new BpeTokenizer(TokenizerFile.read(key), hash, key);
            CACHE.put(key, t);
            return t;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read tokenizer file " + file, e);
        }
    }

    /** The name that selects the default tokenizer wherever a tokenizer is named. */
    public static final String DEFAULT_NAME = "default";

    /**
     * A tokenizer named on a command line or in a config: {@code null}, empty or {@value #DEFAULT_NAME} for the
     * default (LLaMA-2), {@value Gpt2Tokenizer#NAME} for GPT-2's BPE ({@link Gpt2Tokenizer}), anything else a tokenizer file.
     */
    public static Tokenizer resolve(String spec) {
        if (spec == null || spec.isBlank() || spec.equals(DEFAULT_NAME)) return loadDefault();
        if (spec.equals(Gpt2Tokenizer.NAME)) return Gpt2Tokenizer.get();
        return load(Path.of(spec));
    }

    /**
     * The LLaMA-2 tokenizer that set-up wrote: the file named by the system property {@code rat4j.tokenizer}, or
     * {@value #DEFAULT_FILE} under {@link DataHome}.
     */
    public static Tokenizer loadDefault() {
        return load(defaultFile());
    }

    /** The file {@link #loadDefault()} reads; a {@link ConfigException} with the set-up command when it is missing. */
    public static Path defaultFile() {
        String prop = System.getProperty(FILE_PROPERTY);
        if (prop != null && !prop.isBlank()) return Path.of(prop);
        Path found = DataHome.find(DEFAULT_FILE);
        if (found == null) {
            throw new ConfigException("the LLaMA-2 tokenizer (" + DEFAULT_FILE + ") was not found in " + DataHome.candidates(DEFAULT_FILE)
                    + "; " + DataHome.SETUP_HINT);
        }
        return found;
    }

    /** Whether the default tokenizer file exists (tests use this to skip checks that need the real vocabulary). */
    public static boolean defaultAvailable() {
        String prop = System.getProperty(FILE_PROPERTY);
        if (prop != null && !prop.isBlank()) return Files.isRegularFile(Path.of(prop));
        return DataHome.find(DEFAULT_FILE) != null;
    }

    /** SHA-256 of a file, lower-case hex. */
    public static String sha256(Path file) throws IOException {
        return Checksums.sha256(file);
    }

    /** SHA-256 of a stream's remaining bytes, lower-case hex. */
    public static String sha256(InputStream in) throws IOException {
        return Checksums.sha256(in);
    }
}
