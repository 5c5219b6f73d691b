package org.rat4j.data.setup;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the subset of R's XDR serialisation format (R Internals, "Serialization Formats") that R data packages
 * use for character data: NULL, symbols, pairlists (for attributes), character, logical, integer, double and list
 * vectors. This lets set-up read the Jane Austen novels from Debian's {@code r-cran-janeaustenr} without R.
 * <p>Only JDK classes are used: scripts/fetch-data.sh compiles this with plain {@code javac}.
 */
public final class RSerialization {
    private static final int NILVALUE_SXP = 254;
    private static final int REFSXP = 255;
    private static final int SYMSXP = 1;
    private static final int LISTSXP = 2;
    private static final int CHARSXP = 9;
    private static final int LGLSXP = 10;
    private static final int INTSXP = 13;
    private static final int REALSXP = 14;
    private static final int STRSXP = 16;
    private static final int VECSXP = 19;

    private static final int HAS_ATTR = 1 << 9;
    private static final int HAS_TAG = 1 << 10;
    private static final int LATIN1_LEVEL = 1 << 2;

    /**
     * One R value: its SEXP type, its data ({@code String[]} for character vectors and symbols' names,
     * {@code int[]} for integer and logical vectors, {@code double[]}, or {@code List<RValue>} for lists and
     * pairlists) and its attributes. For a pairlist, {@code attributes} holds its tagged elements by tag, which
     * is how an attribute list is read.
     */
    public record RValue(int type, Object data, Map<String, RValue> attributes) {
        public String[] strings() {
            if (type != STRSXP) throw new IllegalStateException("not a character vector (SEXP type " + type + ")");
            return (String[]) data;
        }

        /** The name of a symbol or the single string of a length-one character vector. */
        public String text() {
            if (type != SYMSXP && type != STRSXP) throw new IllegalStateException("not a symbol or string (SEXP type " + type + ")");
            return ((String[]) data)[0];
        }

        public int[] ints() {
            if (type != INTSXP && type != LGLSXP) throw new IllegalStateException("not an integer vector (SEXP type " + type + ")");
            return (int[]) data;
        }

        @SuppressWarnings("unchecked")
        public List<RValue> list() {
            if (type != VECSXP && type != LISTSXP) throw new IllegalStateException("not a list (SEXP type " + type + ")");
            return (List<RValue>) data;
        }

        /** The {@code names} attribute, or null. */
        public String[] names() {
            RValue n = attributes.get("names");
            return n == null ? null : n.strings();
        }
    }

    private final DataInputStream in;
    private final List<String> symbols = new ArrayList<>();

    private RSerialization(InputStream in) {
        this.in = new DataInputStream(in);
    }

    /** Reads one serialised object (starting with the {@code X\n} header). */
    public static RValue read(InputStream in) throws IOException {
        RSerialization r = new RSerialization(in);
        r.header();
        return r.item();
    }

    private void header() throws IOException {
        int a = in.readUnsignedByte();
        int b = in.readUnsignedByte();
        if (a != 'X' || b != '\n') {
            throw new IOException("not an R XDR serialisation (starts with bytes " + a + ", " + b + "; expected 'X\\n')");
        }
        int version = in.readInt();
        in.readInt(); // the R version that wrote it
        in.readInt(); // the oldest R version that can read it
        if (version == 3) {
            int n = in.readInt();
            in.skipNBytes(n); // the writer's native encoding name
        } else if (version != 2) {
            throw new IOException("unsupported R serialisation version " + version);
        }
    }

    private RValue item() throws IOException {
        int flags = in.readInt();
        int type = flags & 0xFF;
        int levels = flags >>> 12;
        boolean hasAttr = (flags & HAS_ATTR) != 0;
        boolean hasTag = (flags & HAS_TAG) != 0;
        switch (type) {
            case NILVALUE_SXP:
                return null;
            case REFSXP: {
                int index = flags >>> 8;
                if (index == 0) index = in.readInt();
                if (index < 1 || index > symbols.size()) throw new IOException("R reference " + index + " points at nothing known");
                return new RValue(SYMSXP, new String[]{symbols.get(index - 1)}, Map.of());
            }
            case SYMSXP: {
                RValue name = item(); // a CHARSXP
                String s = name == null ? "" : name.text();
                symbols.add(s);
                return new RValue(SYMSXP, new String[]{s}, Map.of());
            }
            case LISTSXP: {
                // A pairlist node: attributes, tag, CAR, then CDR (the rest of the list, usually another node).
                List<RValue> values = new ArrayList<>();
                Map<String, RValue> tagged = new LinkedHashMap<>();
                Map<String, RValue> attrs = hasAttr ? attributes(item()) : Map.of();
                while (true) {
                    String tag = hasTag ? item().text() : null;
                    RValue car = item();
                    values.add(car);
                    if (tag != null) tagged.put(tag, car);
                    int next = in.readInt();
                    int nextType = next & 0xFF;
                    if (nextType == NILVALUE_SXP) break;
                    if (nextType != LISTSXP) throw new IOException("a pairlist continues with SEXP type " + nextType);
                    hasTag = (next & HAS_TAG) != 0;
                    if ((next & HAS_ATTR) != 0) item();
                }
                return new RValue(LISTSXP, values, tagged.isEmpty() ? attrs : tagged);
            }
            case CHARSXP: {
                int len = in.readInt();
                if (len == -1) return new RValue(STRSXP, new String[]{null}, Map.of()); // NA_character_
                byte[] bytes = in.readNBytes(len);
                if (bytes.length != len) throw new IOException("the data ends inside a string");
                Charset cs = (levels & LATIN1_LEVEL) != 0 ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8;
                return new RValue(STRSXP, new String[]{new String(bytes, cs)}, Map.of());
            }
            case LGLSXP:
            case INTSXP: {
                int n = length();
                int[] v = new int[n];
                for (int i = 0; i < n; i++) v[i] = in.readInt();
                return withAttributes(type, v, hasAttr);
            }
            case REALSXP: {
                int n = length();
                double[] v = new double[n];
                for (int i = 0; i < n; i++) v[i] = in.readDouble();
                return withAttributes(type, v, hasAttr);
            }
            case STRSXP: {
                int n = length();
                String[] v = new String[n];
                for (int i = 0; i < n; i++) {
                    RValue c = item();
                    v[i] = c == null ? null : c.strings()[0];
                }
                return withAttributes(type, v, hasAttr);
            }
            case VECSXP: {
                int n = length();
                List<RValue> v = new ArrayList<>(n);
                for (int i = 0; i < n; i++) v.add(item());
                return withAttributes(type, v, hasAttr);
            }
            default:
                throw new IOException("R SEXP type " + type + " is not supported by this reader");
        }
    }

    private int length() throws IOException {
        int n = in.readInt();
        if (n == -1) {
            long upper = in.readInt() & 0xffffffffL;
            long lower = in.readInt() & 0xffffffffL;
            long len = (upper << 32) | lower;
            if (len > Integer.MAX_VALUE) throw new IOException("R vector of " + len + " elements is too long");
            return (int) len;
        }
        if (n < 0) throw new IOException("negative R vector length " + n);
        return n;
    }

    private RValue withAttributes(int type, Object data, boolean hasAttr) throws IOException {
        return new RValue(type, data, hasAttr ? attributes(item()) : Map.of());
    }

    private static Map<String, RValue> attributes(RValue pairlist) {
        return pairlist == null ? Map.of() : pairlist.attributes();
    }
}
