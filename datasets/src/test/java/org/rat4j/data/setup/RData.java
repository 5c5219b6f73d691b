package org.rat4j.data.setup;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;

/** Writes small R XDR serialisations and lazy-load databases for the tests, following R Internals' format. */
final class RData {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final DataOutputStream out = new DataOutputStream(bytes);

    RData() throws IOException {
        out.writeBytes("X\n");
        out.writeInt(3);          // format version
        out.writeInt(0x040201);   // written by R 4.2.1
        out.writeInt(0x030500);   // readable from R 3.5.0
        out.writeInt(5);
        out.writeBytes("UTF-8");
    }

    byte[] toBytes() {
        return bytes.toByteArray();
    }

    RData strings(String... values) throws IOException {
        out.writeInt(16);
        out.writeInt(values.length);
        for (String v : values) charsxp(v);
        return this;
    }

    private void charsxp(String v) throws IOException {
        if (v == null) {
            out.writeInt(9);
            out.writeInt(-1);
            return;
        }
        byte[] b = v.getBytes(StandardCharsets.UTF_8);
        out.writeInt(9 | (1 << 3) << 12); // CHARSXP with the UTF-8 level bit
        out.writeInt(b.length);
        out.write(b);
    }

    RData ints(int... values) throws IOException {
        out.writeInt(13);
        out.writeInt(values.length);
        for (int v : values) out.writeInt(v);
        return this;
    }

    RData logical(boolean v) throws IOException {
        out.writeInt(10);
        out.writeInt(1);
        out.writeInt(v ? 1 : 0);
        return this;
    }

    /** Starts a list of n elements with a names attribute; write the elements, then call {@link #names}. */
    RData namedList(int n) throws IOException {
        out.writeInt(19 | (1 << 9));
        out.writeInt(n);
        return this;
    }

    RData names(String... names) throws IOException {
        out.writeInt(2 | (1 << 10)); // pairlist node with a tag
        out.writeInt(1);             // tag: SYMSXP
        charsxp("names");
        strings(names);
        out.writeInt(254);           // end of the pairlist
        return this;
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (OutputStream o = new GZIPOutputStream(b)) {
            o.write(data);
        }
        return b.toByteArray();
    }

    /** An rdb record: 4-byte big-endian uncompressed size, then zlib. */
    static byte[] record(byte[] data) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        new DataOutputStream(b).writeInt(data.length);
        try (OutputStream o = new DeflaterOutputStream(b)) {
            o.write(data);
        }
        return b.toByteArray();
    }

    /** Writes Rdata.rdx and Rdata.rdb holding the given character vectors. */
    static void lazyLoadDb(java.nio.file.Path dir, List<String> names, List<String[]> vectors) throws IOException {
        ByteArrayOutputStream db = new ByteArrayOutputStream();
        int[][] where = new int[names.size()][];
        for (int i = 0; i < names.size(); i++) {
            byte[] rec = record(new RData().strings(vectors.get(i)).toBytes());
            where[i] = new int[]{db.size(), rec.length};
            db.write(rec);
        }
        RData index = new RData().namedList(3);
        index.namedList(names.size());
        for (int[] w : where) index.ints(w);
        index.names(names.toArray(new String[0]));
        index.namedList(0).names();
        index.logical(true);
        index.names("variables", "references", "compressed");
        java.nio.file.Files.write(dir.resolve("Rdata.rdb"), db.toByteArray());
        java.nio.file.Files.write(dir.resolve("Rdata.rdx"), gzip(index.toBytes()));
    }
}
