package org.rat4j.zoo;

import org.rat4j.config.ConfigException;
import org.rat4j.dl4j.Dl4jFormat;
import org.rat4j.io.AtomicFiles;
import org.rat4j.io.Checksums;
import org.rat4j.io.ModelIO;
import org.rat4j.model.RatLanguageModel;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.Adler32;

/**
 * A zoo bundle: what {@code rat4j export --format zoo} writes and a server hands out, for {@link RatZooModel#initPretrained()}.
 * <pre>
 * NAME.zip          the DL4J form of the model ({@link Dl4jFormat#save}: ModelSerializer's zip, no updater state)
 * NAME.zip.adler32  "ADLER32  NAME.zip": the checksum DL4J's zoo verifies after downloading (decimal, as
 *                   {@code ZooModel.pretrainedChecksum} returns it)
 * config.json       the model config, for {@code RatZooModel.of(NAME, ModelConfig.fromJson(...))} when the model is
 *                   none of {@link RatZoo}'s architectures
 * README.md         the model card (written by the launcher, which knows the training run)
 * </pre>
 * Adler32 is what DL4J checks and so what a DL4J user's code can pass; it catches damaged or truncated transfers, not
 * tampering. The SHA-256 of the zip is written in the model card for that.
 */
public final class ZooBundle {
    /** Appended to the zip's name for its checksum file. */
    public static final String CHECKSUM_SUFFIX = ".adler32";
    /** Names usable as a file name, a URL path segment and a DL4J resource directory. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final Pattern CHECKSUM_LINE = Pattern.compile("\\s*(\\d{1,10})(?:\\s+(\\S+))?\\s*");

    private ZooBundle() {
    }

    /**
     * What {@link #write} wrote.
     *
     * @param zip     the DL4J zip
     * @param adler32 its Adler32, DL4J's checksum
     * @param bytes   its size
     * @param sha256  its SHA-256 (lower-case hex)
     */
    public record Written(Path zip, long adler32, long bytes, String sha256) {
    }

    /** Checks a bundle name: letters, digits, '.', '_' and '-', starting with a letter or digit, at most 100 characters. */
    public static String checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ConfigException("'" + name + "' cannot name a zoo model: use letters, digits, '.', '_' and '-' "
                    + "(starting with a letter or digit, at most 100 characters), e.g. tiny-rat");
        }
        return name;
    }

    /** The zip's file name in a bundle named {@code name}. */
    public static String zipName(String name) {
        return checkName(name) + ".zip";
    }

    /**
     * Writes the zip, its checksum file and {@code config.json} of a bundle named {@code name} into {@code dir}, each
     * atomically (the README is the caller's).
     */
    public static Written write(RatLanguageModel model, String name, Path dir) throws IOException {
        Path zip = dir.resolve(zipName(name));
        Dl4jFormat.save(model, zip);
        Adler32 adler = new Adler32();
        MessageDigest sha = Checksums.newDigest();
        long bytes = scan(zip, adler, sha);
        AtomicFiles.writeString(dir.resolve(zip.getFileName() + CHECKSUM_SUFFIX), adler.getValue() + "  " + zip.getFileName() + "\n");
        AtomicFiles.writeString(dir.resolve(ModelIO.CONFIG), model.config().toJson());
        return new Written(zip, adler.getValue(), bytes, HexFormat.of().formatHex(sha.digest()));
    }

    /** The Adler32 of a file's bytes, as DL4J's zoo computes it. */
    public static long adler32(Path file) throws IOException {
        Adler32 adler = new Adler32();
        scan(file, adler, null);
        return adler.getValue();
    }

    /** Feeds a file's bytes to an Adler32 and, unless null, a digest; returns the byte count. */
    private static long scan(Path file, Adler32 adler, MessageDigest digest) throws IOException {
        long bytes = 0;
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                adler.update(buf, 0, n);
                if (digest != null) digest.update(buf, 0, n);
                bytes += n;
            }
        }
        return bytes;
    }

    /** Reads a checksum file written by {@link #write}: its first number. */
    public static long readChecksum(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        Matcher m = CHECKSUM_LINE.matcher(text);
        long value = m.matches() ? Long.parseLong(m.group(1)) : -1;
        if (value < 0 || value > 0xFFFF_FFFFL) {
            throw new ConfigException(file + " is not a zoo checksum file: it should hold one line 'ADLER32  NAME.zip' "
                    + "with ADLER32 a decimal number below 2^32");
        }
        return value;
    }
}
