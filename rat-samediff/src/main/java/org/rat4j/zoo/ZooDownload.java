package org.rat4j.zoo;

import org.rat4j.config.ConfigException;
import org.rat4j.io.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.zip.Adler32;

/**
 * Fetches a pretrained zip into DL4J's resource directory the way {@code ZooModel.initPretrained} does (cache file
 * named after the URL's last path segment, Adler32 against {@code pretrainedChecksum}, 0 = not checked), with two
 * differences: the bytes go to a temporary file that is renamed into place only once its checksum is right
 * ({@link AtomicFiles}), so an interrupted or damaged download never leaves a file that a later run would take for
 * the model; and a cached file with another checksum (an older export under the same name) is downloaded again
 * instead of failing.
 */
final class ZooDownload {
    private static final Logger LOG = LoggerFactory.getLogger(ZooDownload.class);
    private static final Set<String> SCHEMES = Set.of("file", "http", "https");
    /** Connecting gives up after this long; reading waits as long for each block (a slow server is not a dead one). */
    private static final int TIMEOUT_MS = 60_000;
    /** Downloads from this size on log progress: a line every tenth when the size is known, else every this many bytes. */
    private static final long PROGRESS_BYTES = 64L << 20;

    private ZooDownload() {
    }

    /** The file name a URL is cached under: its last path segment. */
    static String fileName(String url) {
        String path = uri(url).getPath();
        String name = path == null ? "" : path.substring(path.lastIndexOf('/') + 1);
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            throw new ConfigException("the pretrained URL " + url + " does not end in a file name (e.g. .../tiny-rat.zip)");
        }
        return name;
    }

    /**
     * The verified file of {@code url} in {@code dir}: the cached one if its Adler32 is {@code checksum}, else a
     * fresh download.
     *
     * @param checksum the zip's Adler32; 0 skips the check, as in DL4J
     */
    static Path fetch(String url, long checksum, Path dir) throws IOException {
        Path cached = dir.resolve(fileName(url));
        if (Files.isRegularFile(cached)) {
            if (checksum == 0) {
                LOG.info("Using cached model at {} (no checksum to verify)", cached);
                return cached;
            }
            long have = ZooBundle.adler32(cached);
            if (have == checksum) {
                LOG.info("Using cached model at {} (Adler32 {})", cached, have);
                return cached;
            }
            LOG.warn("{} has Adler32 {}, not {}: another file under the same name; downloading {} again", cached, have, checksum, url);
        }
        if (checksum == 0) LOG.warn("no checksum for {}: the download is not verified", url);
        download(url, checksum, cached);
        return cached;
    }

    private static void download(String url, long checksum, Path target) throws IOException {
        LOG.info("Downloading {} to {}", url, target);
        URLConnection connection = uri(url).toURL().openConnection();
        connection.setConnectTimeout(TIMEOUT_MS);
        connection.setReadTimeout(TIMEOUT_MS);
        long length;
        InputStream in;
        try {
            if (connection instanceof HttpURLConnection http && http.getResponseCode() != HttpURLConnection.HTTP_OK) {
                throw new ConfigException("cannot download " + url + ": the server answered HTTP " + http.getResponseCode()
                        + (http.getResponseMessage() == null ? "" : " " + http.getResponseMessage()) + "; check the URL");
            }
            in = connection.getInputStream();
            length = connection.getContentLengthLong();
        } catch (FileNotFoundException | NoSuchFileException e) {
            throw new ConfigException("cannot download " + url + ": there is no such file; check the URL", e);
        }
        long started = System.nanoTime();
        long[] received = {0};
        try (in) {
            AtomicFiles.write(target, out -> {
                Adler32 adler = new Adler32();
                byte[] buf = new byte[1 << 16];
                long nextReport = length >= 0 && length < PROGRESS_BYTES ? Long.MAX_VALUE : step(length);
                int n;
                while ((n = in.read(buf)) > 0) {
                    adler.update(buf, 0, n);
                    out.write(buf, 0, n);
                    received[0] += n;
                    if (received[0] >= nextReport) {
                        LOG.info("{}: {}{}", target.getFileName(), megabytes(received[0]),
                                length > 0 ? String.format(Locale.ROOT, " of %s (%.0f%%)", megabytes(length), 100.0 * received[0] / length) : "");
                        nextReport += step(length);
                    }
                }
                if (length >= 0 && received[0] != length) {
                    throw new IOException("the download of " + url + " ended after " + received[0] + " of " + length
                            + " bytes; nothing was cached, try again");
                }
                if (checksum != 0 && adler.getValue() != checksum) {
                    throw new ConfigException("the download of " + url + " (" + received[0] + " bytes) failed its checksum: Adler32 "
                            + adler.getValue() + ", expected " + checksum + ". It was deleted and nothing was cached. The file on "
                            + "the server is damaged or is another export than the checksum's: copy the bundle again, or pass "
                            + "the checksum from its " + ZooBundle.CHECKSUM_SUFFIX + " file");
                }
            });
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        LOG.info("Downloaded {} in {} s", megabytes(received[0]), String.format(Locale.ROOT, "%.1f", seconds));
    }

    private static String megabytes(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    private static long step(long length) {
        return length > 0 ? length / 10 : PROGRESS_BYTES;
    }

    private static URI uri(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new ConfigException("'" + url + "' is not a URL (" + e.getMessage() + ")");
        }
        if (uri.getScheme() == null || !SCHEMES.contains(uri.getScheme().toLowerCase(Locale.ROOT))) {
            throw new ConfigException("the pretrained URL " + url + " must start with file:, http: or https:");
        }
        try {
            uri.toURL();
        } catch (MalformedURLException | IllegalArgumentException e) {
            throw new ConfigException("'" + url + "' is not a usable URL (" + e.getMessage() + ")");
        }
        return uri;
    }
}
