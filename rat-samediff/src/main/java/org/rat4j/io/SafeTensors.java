package org.rat4j.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.reduce.longer.MatchCondition;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.conditions.Conditions;
import org.rat4j.kernels.Bf16;
import org.rat4j.config.ConfigException;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.*;
import java.util.function.Supplier;

/**
 * The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header mapping each tensor
 * name to {@code {dtype, shape, data_offsets}}, then the raw little-endian tensor bytes. Files written here load
 * with {@code safetensors.torch.load_file} and vice versa. Reads F64, F32, F16 and BF16; writes F32 or F64.
 */
public final class SafeTensors {
    /** The largest header accepted, as in the reference implementation (100 MB). */
    static final long MAX_HEADER = 100_000_000L;
    /** Bytes read per chunk: large enough that a read costs little per byte, small against any tensor worth chunking. */
    static final int CHUNK_BYTES = 8 << 20;
    static final String METADATA = "__metadata__";
    private static final Set<String> ENTRY_KEYS = Set.of("dtype", "shape", "data_offsets");
    /** Duplicate names and anything after the JSON value are errors, not silently resolved. */
    private static final ObjectMapper HEADER_JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

    private SafeTensors() {
    }

    /** Writes tensors atomically in the given order; {@code type} is FLOAT or DOUBLE. */
    public static void write(Path file, Map<String, INDArray> tensors, Map<String, String> metadata, DataType type)
            throws IOException {
        if (type != DataType.FLOAT && type != DataType.DOUBLE) throw new IllegalArgumentException("write FLOAT or DOUBLE, not " + type);
        int width = type == DataType.FLOAT ? 4 : 8;
        Map<String, Object> header = new LinkedHashMap<>();
        // Sorted: the same weights give the same bytes in every JVM (Map.of iterates in a per-JVM order).
        if (metadata != null && !metadata.isEmpty()) header.put(METADATA, new TreeMap<>(metadata));
        long offset = 0;
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            long bytes = e.getValue().length() * width;
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", type == DataType.FLOAT ? "F32" : "F64");
            info.put("shape", e.getValue().shape());
            info.put("data_offsets", new long[]{offset, offset + bytes});
            header.put(e.getKey(), info);
            offset += bytes;
        }
        byte[] json = new ObjectMapper().writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;                 // data starts 8-byte aligned
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');
        AtomicFiles.write(file, out -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(len.array());
            out.write(headerBytes);
            for (INDArray a : tensors.values()) writeData(out, a, type);
        });
    }

    private static void writeData(OutputStream out, INDArray a, DataType type) throws IOException {
        INDArray c = a.dataType() == type && a.ordering() == 'c' && !a.isView() ? a : a.castTo(type).dup('c');
        long n = c.length();
        int chunk = 1 << 20;
        ByteBuffer buf = ByteBuffer.allocate(chunk * (type == DataType.FLOAT ? 4 : 8)).order(ByteOrder.LITTLE_ENDIAN);
        INDArray flat = c.reshape(n);
        for (long start = 0; start < n; start += chunk) {
            int len = (int) Math.min(chunk, n - start);
            buf.clear();
            if (type == DataType.FLOAT) {
                float[] v = flat.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(start, start + len)).toFloatVector();
                for (float f : v) buf.putFloat(f);
            } else {
                double[] v = flat.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(start, start + len)).toDoubleVector();
                for (double d : v) buf.putDouble(d);
            }
            out.write(buf.array(), 0, buf.position());
        }
    }

    // ---------------------------------------------------------------- reading

    /** One tensor of a validated header: its dtype, shape and byte range within the data section. */
    public record Entry(String name, String dtype, long[] shape, long begin, long end) {
        /** Number of elements (validated not to overflow). */
        public long count() {
            long n = 1;
            for (long d : shape) n *= d;
            return n;
        }
    }

    /**
     * A header that passed every check of {@link #readHeader}: {@code entries} in file order tile the data section
     * {@code [dataStart, dataStart + dataBytes)} exactly, so reading all of them touches no byte twice and allocates
     * no more elements than the file holds.
     */
    public record Header(Path file, long dataStart, long dataBytes, List<Entry> entries, Map<String, String> metadata) {
        /** Name to shape, in file order. */
        public Map<String, long[]> shapes() {
            Map<String, long[]> m = new LinkedHashMap<>();
            for (Entry e : entries) m.put(e.name(), e.shape());
            return m;
        }
    }

    /** Reads every tensor, converted to {@code type}, in file order. */
    public static Map<String, INDArray> read(Path file, DataType type) throws IOException {
        Header h = readHeader(file);
        return read(h, type, h.shapes().keySet());
    }

    /**
     * Reads the tensors of a validated header that are named in {@code names}, converted to {@code type}, in file
     * order. Each is read once, in chunks, straight into its own array: no mapping of the file, no intermediate
     * copy of a whole tensor, and tensors over 2 GiB work. A tensor holding NaN or infinity is refused by name.
     */
    public static Map<String, INDArray> read(Header header, DataType type, Set<String> names) throws IOException {
        return read(header, type, names, CHUNK_BYTES);
    }

    /** {@link #read(Header, DataType, Set)} with a given chunk size (a multiple of 8; tests use small ones). */
    static Map<String, INDArray> read(Header header, DataType type, Set<String> names, int chunkBytes) throws IOException {
        if (chunkBytes < 8 || chunkBytes % 8 != 0) throw new IllegalArgumentException("chunk of " + chunkBytes + " bytes is not a positive multiple of 8");
        Map<String, INDArray> out = new LinkedHashMap<>();
        try (FileChannel ch = FileChannel.open(header.file(), StandardOpenOption.READ)) {
            ByteBuffer chunk = null;
            for (Entry e : header.entries()) {
                if (!names.contains(e.name())) continue;
                // Decoded into float (double for a double model); another type is cast from float afterwards.
                INDArray a = Nd4j.create(type == DataType.DOUBLE ? DataType.DOUBLE : DataType.FLOAT, e.shape(), 'c');
                if (e.count() > 0) {
                    if (chunk == null) chunk = ByteBuffer.allocate(chunkBytes).order(ByteOrder.LITTLE_ENDIAN);
                    readInto(header, ch, e, a, chunk);
                    requireFinite(header.file(), e.name(), a);
                }
                out.put(e.name(), a.dataType() == type ? a : a.castTo(type));
            }
        }
        return out;
    }

    /**
     * Fills {@code dst} (a fresh c-order array of the entry's shape) from the file, one chunk at a time. When the
     * file's bytes are the array's bytes (F32 into float, F64 into double, on a little-endian machine) each chunk is
     * read straight into the array's memory; otherwise a chunk of whole elements (its size is a multiple of 8) is read
     * into {@code chunk} and decoded into a view of the array at that chunk's element offset.
     */
    private static void readInto(Header h, FileChannel ch, Entry e, INDArray dst, ByteBuffer chunk) throws IOException {
        int width = width(h.file(), e.name(), e.dtype());
        long start = h.dataStart() + e.begin();
        boolean sameBytes = e.dtype().equals(dst.dataType() == DataType.FLOAT ? "F32" : "F64");
        if (sameBytes && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            BytePointer memory = new BytePointer(dst.data().addressPointer());
            long bytes = e.end() - e.begin();
            for (long first = 0; first < bytes; first += chunk.capacity()) {
                int n = (int) Math.min(chunk.capacity(), bytes - first);
                readFully(h, ch, e, memory.getPointer(first).capacity(n).limit(n).asByteBuffer(), start + first);
            }
            return;
        }
        long count = e.count();
        int perChunk = chunk.capacity() / width;
        for (long first = 0; first < count; first += perChunk) {
            int n = (int) Math.min(perChunk, count - first);
            chunk.clear().limit(n * width);
            readFully(h, ch, e, chunk, start + first * width);
            chunk.flip();
            if (dst.dataType() == DataType.FLOAT) decode(e.dtype(), chunk, floats(dst, first, n));
            else decode(e.dtype(), chunk, doubles(dst, first, n));
        }
    }

    /** Fills {@code b} from file position {@code at}; {@code ended} is the error if the file is shorter. */
    private static void readFully(FileChannel ch, ByteBuffer b, long at, Supplier<ConfigException> ended) throws IOException {
        for (int done = 0; b.hasRemaining(); done = b.position()) {
            if (ch.read(b, at + done) < 0) throw ended.get();
        }
    }

    private static void readFully(Header h, FileChannel ch, Entry e, ByteBuffer b, long at) throws IOException {
        readFully(ch, b, at, () -> new ConfigException(h.file() + " ended while tensor " + quote(e.name())
                + " was read (was the file changed while it was loaded?); load it again"));
    }

    private static void decode(String dtype, ByteBuffer in, FloatBuffer out) {
        switch (dtype) {
            case "F32" -> out.put(in.asFloatBuffer());
            case "F64" -> { while (in.hasRemaining()) out.put((float) in.getDouble()); }
            case "BF16" -> { while (in.hasRemaining()) out.put(bfloat16ToFloat(in.getShort())); }
            default -> { while (in.hasRemaining()) out.put(halfToFloat(in.getShort())); }      // F16
        }
    }

    private static void decode(String dtype, ByteBuffer in, DoubleBuffer out) {
        switch (dtype) {
            case "F64" -> out.put(in.asDoubleBuffer());
            case "F32" -> { while (in.hasRemaining()) out.put(in.getFloat()); }
            case "BF16" -> { while (in.hasRemaining()) out.put(bfloat16ToFloat(in.getShort())); }
            default -> { while (in.hasRemaining()) out.put(halfToFloat(in.getShort())); }      // F16
        }
    }

    /** {@code n} floats of {@code a}'s own buffer from element {@code from}, in native order. */
    private static FloatBuffer floats(INDArray a, long from, int n) {
        return new FloatPointer(a.data().addressPointer()).getPointer(from).capacity(n).limit(n).asBuffer();
    }

    private static DoubleBuffer doubles(INDArray a, long from, int n) {
        return new DoublePointer(a.data().addressPointer()).getPointer(from).capacity(n).limit(n).asBuffer();
    }

    private static void requireFinite(Path file, String name, INDArray a) {
        long bad = Nd4j.getExecutioner().exec(new MatchCondition(a, Conditions.notFinite())).getLong(0);
        if (bad > 0) {
            throw new ConfigException(file + ": tensor " + quote(name) + " holds " + bad + " non-finite values (NaN or infinity) of "
                    + a.length() + "; these weights are damaged (saved after training diverged?): use an earlier checkpoint");
        }
    }

    /** The tensor names, dtypes and shapes of a file, in file order, after {@link #readHeader}'s checks. */
    public static List<Entry> header(Path file) throws IOException {
        return readHeader(file).entries();
    }

    /**
     * Reads and validates the header of a file without reading any tensor data. Checked, each failure a one-line
     * {@link ConfigException} naming the file, the tensor and the problem: the header length fits the file; the header
     * is UTF-8 JSON holding one object; {@code __metadata__}, if present, maps strings to strings; every other entry
     * is an object with exactly {@code dtype} (a string, one of F64, F32, F16, BF16), {@code shape} (an array of
     * non-negative integers whose product, and that times the dtype width, fit a long) and {@code data_offsets} (two
     * non-negative integers, end - begin = the byte count); and the tensors, sorted by offset, start at 0, follow each
     * other without gap or overlap and end exactly where the file ends.
     */
    public static Header readHeader(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw corrupt(file, "it is shorter than the 8-byte header length (" + size + " bytes)");
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, 0, () -> corrupt(file, "it ended inside its header"));
            long n = len.getLong(0);
            if (n < 2 || n > MAX_HEADER || n > size - 8) {
                throw corrupt(file, "its header length " + Long.toUnsignedString(n) + " does not fit the file size " + size
                        + " (the most rat4j accepts is " + MAX_HEADER + ")");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) n);
            readFully(ch, hb, 8, () -> corrupt(file, "it ended inside its header"));
            return validate(file, parse(file, hb.flip()), 8 + n, size - 8 - n);
        }
    }


    private static JsonNode parse(Path file, ByteBuffer bytes) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw corrupt(file, "its header is not UTF-8 text");
        }
        try {
            JsonNode root = HEADER_JSON.readTree(text);
            if (root == null || !root.isObject()) {
                throw corrupt(file, "its header must be a JSON object of tensors, not " + describe(root));
            }
            return root;
        } catch (JsonProcessingException e) {
            throw corrupt(file, "its JSON header does not parse (" + String.valueOf(e.getOriginalMessage()).replaceAll("\\s+", " ") + ")");
        }
    }

    private static Header validate(Path file, JsonNode root, long dataStart, long dataBytes) {
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getKey().equals(METADATA)) metadata = metadata(file, f.getValue());
            else entries.add(entry(file, f.getKey(), f.getValue()));
        }
        entries.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long at = 0;
        String before = null;
        for (Entry e : entries) {
            if (e.begin() != at) {
                String where = "tensor " + quote(e.name()) + " with data_offsets [" + e.begin() + ", " + e.end() + "] ";
                throw corrupt(file, where + (e.begin() < at ? "overlaps tensor " + quote(before) + ", which ends at byte " + at
                        : "leaves bytes " + at + ".." + e.begin() + " unused") + "; tensors must tile the data without gap or overlap");
            }
            at = e.end();
            before = e.name();
        }
        if (at > dataBytes) {
            throw new ConfigException(file + " is truncated: its tensors end at byte " + at + " of the data but the file"
                    + " holds only " + dataBytes + " data bytes; the file is incomplete (copy or save it again)");
        }
        if (at < dataBytes) {
            throw corrupt(file, "it has " + (dataBytes - at) + " bytes after the last tensor's data");
        }
        return new Header(file, dataStart, dataBytes, List.copyOf(entries), Collections.unmodifiableMap(metadata));
    }

    private static Map<String, String> metadata(Path file, JsonNode node) {
        if (!node.isObject()) throw corrupt(file, "'" + METADATA + "' must be an object of strings, not " + describe(node));
        Map<String, String> m = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (!f.getValue().isTextual()) {
                throw corrupt(file, "'" + METADATA + "' entry " + quote(f.getKey()) + " must be a string, not " + describe(f.getValue()));
            }
            m.put(f.getKey(), f.getValue().textValue());
        }
        return m;
    }

    private static Entry entry(Path file, String name, JsonNode info) {
        String where = "tensor " + quote(name);
        if (!info.isObject()) throw corrupt(file, where + " must be an object {dtype, shape, data_offsets}, not " + describe(info));
        for (Iterator<String> it = info.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!ENTRY_KEYS.contains(key)) throw corrupt(file, where + " has an unknown key " + quote(key) + " (expected dtype, shape, data_offsets)");
        }
        JsonNode dtypeNode = info.get("dtype");
        if (dtypeNode == null || !dtypeNode.isTextual()) throw corrupt(file, where + " needs 'dtype' as a string, not " + describe(dtypeNode));
        String dtype = dtypeNode.textValue();
        int width = width(file, name, dtype);
        long[] shape = integers(file, where + " 'shape'", info.get("shape"), -1);
        long[] offsets = integers(file, where + " 'data_offsets'", info.get("data_offsets"), 2);
        long count = 1;
        long bytes;
        try {
            for (long d : shape) count = Math.multiplyExact(count, d);
            bytes = Math.multiplyExact(count, width);
        } catch (ArithmeticException e) {
            throw corrupt(file, where + " has shape " + Arrays.toString(shape) + " whose size in bytes does not fit in 63 bits");
        }
        if (offsets[1] - offsets[0] != bytes) {
            throw corrupt(file, where + " has data_offsets " + Arrays.toString(offsets) + " (" + (offsets[1] - offsets[0])
                    + " bytes) but shape " + Arrays.toString(shape) + " of " + dtype + " needs " + bytes + " bytes");
        }
        return new Entry(name, dtype, shape, offsets[0], offsets[1]);
    }

    /** A JSON array of non-negative integers that fit a long ({@code length} of them, or any number when negative). */
    private static long[] integers(Path file, String where, JsonNode node, int length) {
        if (node == null || !node.isArray()) throw corrupt(file, where + " must be an array of integers, not " + describe(node));
        if (length >= 0 && node.size() != length) {
            throw corrupt(file, where + " must hold exactly " + length + " integers, not " + node.size());
        }
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode x = node.get(i);
            if (!x.isIntegralNumber() || !x.canConvertToLong() || x.longValue() < 0) {
                throw corrupt(file, where + " must hold non-negative integers, but holds " + describe(x));
            }
            out[i] = x.longValue();
        }
        return out;
    }

    /** A JSON value as an error message shows it: its type and, shortened, its text. */
    private static String describe(JsonNode node) {
        if (node == null || node.isMissingNode()) return "nothing";
        if (node.isNull()) return "null";
        return node.getNodeType().name().toLowerCase(Locale.ROOT) + " " + shorten(node.toString());
    }

    private static String quote(String name) {
        return ConfigException.quote(name);
    }

    private static String shorten(String s) {
        String q = quote(s);
        return q.substring(1, q.length() - 1);
    }

    private static int width(Path file, String name, String dtype) {
        return switch (dtype) {
            case "F64" -> 8;
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            default -> throw corrupt(file, "tensor " + quote(name) + " has dtype " + quote(dtype)
                    + "; rat4j reads F64, F32, F16 and BF16 (convert the weights to one of these)");
        };
    }

    /** bfloat16 to float: the 16 bits are the top half of the float's ({@link Bf16#toFloat}). */
    public static float bfloat16ToFloat(short b) {
        return Bf16.toFloat(b);
    }

    /** IEEE 754 binary16 to float (Java 17 has no Float.float16ToFloat). */
    public static float halfToFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0x1F) return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));   // inf / NaN
        if (exp == 0) {                                                                   // zero / subnormal
            float f = mant * 0x1p-24f;
            return sign == 0 ? f : -f;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    private static ConfigException corrupt(Path file, String why) {
        return new ConfigException(file + " is not a valid safetensors file: " + why);
    }
}
