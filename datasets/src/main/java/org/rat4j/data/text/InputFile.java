package org.rat4j.data.text;

import org.rat4j.config.ConfigException;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * An input file opened for reading: gzip is detected by its magic bytes and undone, an empty file is refused with
 * a message naming it, and the bytes read from disk are counted for progress bars.
 */
public final class InputFile implements AutoCloseable {
    private final Path path;
    private final Counting raw;
    private final InputStream stream;

    private InputFile(Path path) throws IOException {
        this.path = path;
        if (!Files.isRegularFile(path)) throw new ConfigException("input file " + path + " does not exist or is not a file");
        raw = new Counting(Files.newInputStream(path));
        BufferedInputStream buffered = new BufferedInputStream(raw, 1 << 16);
        buffered.mark(2);
        int b0 = buffered.read();
        int b1 = buffered.read();
        buffered.reset();
        if (b0 < 0) {
            buffered.close();
            throw new ConfigException("input file " + path + " is empty; remove it from the inputs");
        }
        stream = b0 == 0x1f && b1 == 0x8b ? new BufferedInputStream(new GZIPInputStream(buffered, 1 << 16), 1 << 16) : buffered;
    }

    public static InputFile open(Path path) throws IOException {
        return new InputFile(path);
    }

    /** The decompressed content. */
    public InputStream stream() {
        return stream;
    }

    public Path path() {
        return path;
    }

    /** Bytes read from disk so far (compressed bytes for gzip). */
    public long bytesRead() {
        return raw.count;
    }

    @Override
    public void close() throws IOException {
        stream.close();
    }

    private static final class Counting extends FilterInputStream {
        volatile long count;

        Counting(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) count++;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) count += n;
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long k = super.skip(n);
            count += k;
            return k;
        }
    }
}
