package org.rat4j.data.setup;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.GZIPInputStream;
import java.util.zip.Inflater;

/**
 * Extracts the six novels of the R package janeaustenr from its lazy-load database, as Debian installs it under
 * {@code usr/lib/R/site-library/janeaustenr/data/Rdata.{rdx,rdb}}.
 * <p>The index {@code Rdata.rdx} is a gzip-compressed serialised list whose {@code variables} element maps each
 * object name to (offset, length) in {@code Rdata.rdb}. Each record there is a 4-byte big-endian uncompressed
 * length followed by a zlib stream of the serialised object; here each object is a character vector with one
 * line of the novel per element (blank lines are empty strings).
 */
public final class JaneAustenNovels {
    private JaneAustenNovels() {
    }

    /**
     * Reads every character-vector object of the database.
     *
     * @param dataDir the package's {@code data} directory (holding {@code Rdata.rdx} and {@code Rdata.rdb})
     * @return object name (e.g. {@code emma}) to its text, lines joined by {@code \n}, in index order
     */
    public static Map<String, String> read(Path dataDir) throws IOException {
        Path rdx = dataDir.resolve("Rdata.rdx");
        Path rdb = dataDir.resolve("Rdata.rdb");
        RSerialization.RValue index;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(rdx))) {
            index = RSerialization.read(in);
        }
        RSerialization.RValue variables = named(index, "variables", rdx);
        RSerialization.RValue compressed = named(index, "compressed", rdx);
        if (compressed.ints().length != 1 || compressed.ints()[0] != 1) {
            throw new IOException(rdx + ": only zlib-compressed lazy-load databases are supported");
        }
        byte[] db = Files.readAllBytes(rdb);
        String[] names = variables.names();
        List<RSerialization.RValue> entries = variables.list();
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            int[] where = entries.get(i).ints();
            RSerialization.RValue value = RSerialization.read(new ByteArrayInputStream(record(db, where[0], where[1], rdb)));
            if (value == null || value.type() != 16) continue; // not a character vector
            StringBuilder sb = new StringBuilder();
            for (String line : value.strings()) sb.append(line == null ? "" : line).append('\n');
            out.put(names[i], sb.toString());
        }
        if (out.isEmpty()) throw new IOException(rdb + " holds no character vectors");
        return out;
    }

    private static RSerialization.RValue named(RSerialization.RValue list, String name, Path file) throws IOException {
        String[] names = list.names();
        if (names != null) {
            for (int i = 0; i < names.length; i++) if (name.equals(names[i])) return list.list().get(i);
        }
        throw new IOException(file + " has no '" + name + "' element; is it an R lazy-load index?");
    }

    /** Inflates the record at {@code offset}: a 4-byte big-endian size, then a zlib stream. */
    private static byte[] record(byte[] db, int offset, int length, Path file) throws IOException {
        if (offset < 0 || length < 5 || (long) offset + length > db.length) {
            throw new IOException(file + ": record (" + offset + ", " + length + ") lies outside the file; the file is truncated");
        }
        int size = ((db[offset] & 0xff) << 24) | ((db[offset + 1] & 0xff) << 16) | ((db[offset + 2] & 0xff) << 8) | (db[offset + 3] & 0xff);
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(db, offset + 4, length - 4);
            byte[] out = new byte[size];
            int n = 0;
            while (n < size && !inflater.finished()) {
                int k = inflater.inflate(out, n, size - n);
                if (k == 0 && (inflater.needsInput() || inflater.needsDictionary())) break;
                n += k;
            }
            if (n != size) throw new IOException(file + ": record at " + offset + " inflates to " + n + " bytes, not " + size);
            return out;
        } catch (DataFormatException e) {
            throw new IOException(file + ": record at " + offset + " is not a zlib stream: " + e.getMessage(), e);
        } finally {
            inflater.end();
        }
    }
}
