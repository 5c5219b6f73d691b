package org.rat4j.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rat4j.config.ConfigException;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.*;

/**
 * The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header mapping each tensor
 * name to {@code {dtype, shape, data_offsets}}, then the raw little-endian tensor bytes. Files written here load
 * with {@code safetensors.torch.load_file} and vice versa. Reads F64, F32, F16 and BF16; writes F32 or F64.
 */
public final class SafeTensors {
    private static final long MAX_HEADER = 100L << 20;

    private SafeTensors() {
    }

    /** Writes tensors atomically in the given order; {@code type} is FLOAT or DOUBLE. */
    public static void write(Path file, Map<String, INDArray> tensors, Map<String, String> metadata, DataType type)
            throws IOException {
        if (type != DataType.FLOAT && type != DataType.DOUBLE) throw new IllegalArgumentException("write FLOAT or DOUBLE, not " + type);
        int width = type == DataType.FLOAT ? 4 : 8;
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) header.put("__metadata__", metadata);
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

    /** Tensor names, dtypes and shapes of a file, without reading the data. */
    public record Entry(String name, String dtype, long[] shape, long begin, long end) {
    }

    /** Reads every tensor, converted to {@code type}, in file order. */
    public static Map<String, INDArray> read(Path file, DataType type) throws IOException {
        Map<String, INDArray> out = new LinkedHashMap<>();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            List<Entry> entries = header(file, ch);
            long dataStart = 8 + headerLength(file, ch);
            for (Entry e : entries) {
                long bytes = e.end - e.begin;
                MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin, bytes);
                map.order(ByteOrder.LITTLE_ENDIAN);
                out.put(e.name, toArray(e, map).castTo(type));
            }
        }
        return out;
    }

    /** Reads the header of a file, checking that it is well formed and that the file holds all the data it promises. */
    public static List<Entry> header(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return header(file, ch);
        }
    }

    private static long headerLength(Path file, FileChannel ch) throws IOException {
        if (ch.size() < 8) throw corrupt(file, "it is shorter than the 8-byte header length");
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        ch.read(len, 0);
        long n = len.getLong(0);
        if (n <= 0 || n > MAX_HEADER || 8 + n > ch.size()) {
            throw corrupt(file, "its header length " + n + " does not fit the file size " + ch.size());
        }
        return n;
    }

    @SuppressWarnings("unchecked")
    private static List<Entry> header(Path file, FileChannel ch) throws IOException {
        long n = headerLength(file, ch);
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        ch.read(hb, 8);
        Map<String, Object> json;
        try {
            json = new ObjectMapper().readValue(new String(hb.array(), StandardCharsets.UTF_8).trim(), Map.class);
        } catch (IOException e) {
            throw corrupt(file, "its JSON header does not parse (" + e.getMessage() + ")");
        }
        long dataBytes = ch.size() - 8 - n;
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, Object> e : json.entrySet()) {
            if (e.getKey().equals("__metadata__")) continue;
            if (!(e.getValue() instanceof Map<?, ?> info)) throw corrupt(file, "tensor '" + e.getKey() + "' has no info object");
            String dtype = String.valueOf(info.get("dtype"));
            List<Number> shape = (List<Number>) info.get("shape");
            List<Number> offsets = (List<Number>) info.get("data_offsets");
            if (shape == null || offsets == null || offsets.size() != 2) {
                throw corrupt(file, "tensor '" + e.getKey() + "' lacks shape or data_offsets");
            }
            long[] s = shape.stream().mapToLong(Number::longValue).toArray();
            long begin = offsets.get(0).longValue();
            long end = offsets.get(1).longValue();
            long count = 1;
            for (long x : s) count *= x;
            if (end - begin != count * width(file, e.getKey(), dtype)) {
                throw corrupt(file, "tensor '" + e.getKey() + "' has " + (end - begin) + " bytes for shape "
                        + Arrays.toString(s) + " of " + dtype);
            }
            if (end > dataBytes) {
                throw new ConfigException(file + " is truncated: tensor '" + e.getKey() + "' ends at byte " + end
                        + " of the data but the file holds only " + dataBytes + " data bytes; the file is incomplete"
                        + " (copy or save it again)");
            }
            entries.add(new Entry(e.getKey(), dtype, s, begin, end));
        }
        entries.sort(Comparator.comparingLong(Entry::begin));
        return entries;
    }

    private static int width(Path file, String name, String dtype) {
        return switch (dtype) {
            case "F64" -> 8;
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            default -> throw corrupt(file, "tensor '" + name + "' has dtype " + dtype + "; rat4j reads F64, F32, F16 and BF16");
        };
    }

    private static INDArray toArray(Entry e, ByteBuffer b) {
        long count = 1;
        for (long x : e.shape) count *= x;
        int n = (int) count;
        long[] shape = e.shape.length == 0 ? new long[]{} : e.shape;
        switch (e.dtype) {
            case "F64" -> {
                double[] v = new double[n];
                b.asDoubleBuffer().get(v);
                return Nd4j.createFromArray(v).reshape(shape);
            }
            case "F32" -> {
                float[] v = new float[n];
                b.asFloatBuffer().get(v);
                return Nd4j.createFromArray(v).reshape(shape);
            }
            case "BF16" -> {
                float[] v = new float[n];
                for (int i = 0; i < n; i++) v[i] = bfloat16ToFloat(b.getShort());
                return Nd4j.createFromArray(v).reshape(shape);
            }
            default -> {                                                    // F16
                float[] v = new float[n];
                for (int i = 0; i < n; i++) v[i] = halfToFloat(b.getShort());
                return Nd4j.createFromArray(v).reshape(shape);
            }
        }
    }

    /** bfloat16 to float: the 16 bits are the top half of the float's. */
    public static float bfloat16ToFloat(short b) {
        return Float.intBitsToFloat((b & 0xFFFF) << 16);
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
