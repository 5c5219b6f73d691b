package org.rat4j.data.tokenizer;

import org.rat4j.config.ConfigException;
import org.rat4j.data.DataHome;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
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
        Path key = file.toAbsolutePath().normalize();
        Tokenizer cached = CACHE.get(key);
        if (cached != null) return cached;
        try {
            if (!Files.isRegularFile(key)) {
                throw new ConfigException("tokenizer file " + file + " does not exist; " + DataHome.SETUP_HINT
                        + ", or pass the path of an existing tokenizer file");
            }
            String hash = sha256(key);
            Tokenizer t = new BpeTokenizer(TokenizerFile.read(key), hash);
            CACHE.put(key, t);
            return t;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read tokenizer file " + file, e);
        }
    }

    /**
     * A tokenizer named on a command line or in a config: {@code null} or empty for the default (LLaMA-2),
     * {@value Gpt2Tokenizer#NAME} for GPT-2's BPE ({@link Gpt2Tokenizer}), anything else a tokenizer file.
     */
    public static Tokenizer resolve(String spec) {
        if (spec == null || spec.isBlank()) return loadDefault();
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
        try (InputStream in = Files.newInputStream(file)) {
            return sha256(in);
        }
    }

    /** SHA-256 of a stream's remaining bytes, lower-case hex. */
    public static String sha256(InputStream in) throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no SHA-256", e);
        }
    }
}
