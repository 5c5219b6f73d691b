package org.rat4j.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rat4j.config.ConfigException;
import org.rat4j.model.RatLanguageModel;

import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The hostile weight files of issue 14: each is refused with one line naming the file, the tensor and the problem,
 * before any tensor is read. Also the chunked reading that makes tensors over 2 GiB readable, here with chunks of a
 * few bytes instead of 2 GiB of data.
 */
class SafeTensorsTest {

    /** Writes the 8-byte length, {@code header} and {@code data}: a file exactly as a hostile producer would. */
    static Path file(Path dir, String header, byte[] data) throws IOException {
        Path f = dir.resolve("t.safetensors");
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(f)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            out.write(h);
            out.write(data);
        }
        return f;
    }

    static String refusal(Path f) {
        ConfigException e = assertThrows(ConfigException.class, () -> SafeTensors.read(f, DataType.FLOAT));
        assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    static void assertRefused(Path dir, String header, int dataBytes, String expected) throws IOException {
        String message = refusal(file(dir, header, new byte[dataBytes]));
        assertTrue(message.contains(expected), message);
    }

    @Test
    void sparseExtraTensorOfTwoGigabytesIsRefusedBeforeAnyRead(@TempDir Path dir) throws Exception {
        ModelIO.save(RatLanguageModel.initialize(ModelIOTest.CONFIG, 4, DataType.FLOAT), dir);
        Path w = dir.resolve(ModelIO.WEIGHTS);
        SafeTensors.Header valid = SafeTensors.readHeader(w);
        byte[] bytes = Files.readAllBytes(w);
        ObjectNode header = (ObjectNode) new ObjectMapper().readTree(new String(bytes, 8, (int) (valid.dataStart() - 8), StandardCharsets.UTF_8));
        long extra = 1L << 31;                                   // 2 GiB of F32: [512, 1024, 1024]
        header.putObject("extra").put("dtype", "F32").set("data_offsets",
                header.arrayNode().add(valid.dataBytes()).add(valid.dataBytes() + extra));
        ((ObjectNode) header.get("extra")).set("shape", header.arrayNode().add(512).add(1024).add(1024));
        byte[] data = java.util.Arrays.copyOfRange(bytes, (int) valid.dataStart(), bytes.length);
        file(dir, header.toString(), data);
        Files.move(dir.resolve("t.safetensors"), w, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (RandomAccessFile f = new RandomAccessFile(w.toFile(), "rw")) {
            f.setLength(f.length() + extra);                     // sparse: the 2 GiB take no disk
        }
        assertEquals(valid.entries().size() + 1, SafeTensors.readHeader(w).entries().size());   // a valid file ...

        long before = Pointer.physicalBytes();
        ConfigException e = assertThrows(ConfigException.class, () -> ModelIO.load(dir, DataType.FLOAT));
        long grown = Pointer.physicalBytes() - before;
        assertTrue(e.getMessage().contains("unexpected tensor 'extra'"), e.getMessage());   // ... that the model refuses
        assertTrue(e.getMessage().startsWith(w + " does not fit its config.json"), e.getMessage());
        assertTrue(grown < (256L << 20), "resident memory grew by " + grown + " bytes");    // the 2 GiB were never touched
    }

    @Test
    void negativeOffsetsAreRefused(@TempDir Path dir) throws Exception {
        // Before: [-256, 0] read the 256 header bytes as weights and the model loaded (logits ~1e35).
        assertRefused(dir, "{\"a\":{\"dtype\":\"F32\",\"shape\":[64],\"data_offsets\":[-256,0]}}", 0,
                "tensor 'a' 'data_offsets' must hold non-negative integers, but holds number -256");
    }

    @Test
    void overlappingAndGappedOffsetsAreRefused(@TempDir Path dir) throws Exception {
        assertRefused(dir, "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}", 24,
                "tensor 'b' with data_offsets [8, 24] overlaps tensor 'a', which ends at byte 16");
        assertRefused(dir, "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16,
                "overlaps tensor 'a'");
        assertRefused(dir, "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[20,36]}}", 36,
                "tensor 'b' with data_offsets [20, 36] leaves bytes 16..20 unused");
        assertRefused(dir, "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 20,
                "it has 4 bytes after the last tensor's data");
    }

    @Test
    void fractionalAndOutOfRangeNumbersAreRefused(@TempDir Path dir) throws Exception {
        assertRefused(dir, "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16.5]}}", 16,
                "'data_offsets' must hold non-negative integers, but holds number 16.5");
        assertRefused(dir, "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0.0,16]}}", 16,
                "holds number 0.0");
        assertRefused(dir, "{\"a\":{\"dtype\":\"F32\",\"shape\":[4.0],\"data_offsets\":[0,16]}}", 16,
                "tensor 'a' 'shape' must hold non-negative integers, but holds number 4.0");
        assertRefused(dir, "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,99999999999999999999]}}", 16,
                "holds number 99999999999999999999");
        assertRefused(dir, "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,null]}}", 16, "holds null");
        assertRefused(dir, "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[\"0\",\"16\"]}}", 16, "holds string \"0\"");
        assertRefused(dir, "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16,32]}}", 16,
                "'data_offsets' must hold exactly 2 integers, not 3");
    }

    @Test
    void shapesWhoseSizeOverflowsAreRefused(@TempDir Path dir) throws Exception {
        // 2^62 * 4 elements wrap to 0 in a long: the old check compared 0 bytes with offsets [0, 0] and passed.
        assertRefused(dir, "{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,0]}}", 0,
                "tensor 'a' has shape [4611686018427387904, 4] whose size in bytes does not fit in 63 bits");
        // 2^61 elements fit a long but 2^61 * 4 bytes do not.
        assertRefused(dir, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2305843009213693952],\"data_offsets\":[0,0]}}", 0,
                "does not fit in 63 bits");
        // Two negative dimensions multiply to a positive count; the old check accepted 4 "elements".
        assertRefused(dir, "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2,-2],\"data_offsets\":[0,16]}}", 16,
                "tensor 'a' 'shape' must hold non-negative integers, but holds number -2");
    }

    @Test
    void malformedHeadersAreRefusedWithOneLine(@TempDir Path dir) throws Exception {
        assertRefused(dir, "null", 0, "its header must be a JSON object of tensors, not null");      // was a NullPointerException
        assertRefused(dir, "[1, 2]", 0, "must be a JSON object of tensors, not array [1,2]");
        assertRefused(dir, "{\"a\":{\"dtype\":\"F32\",\"shape\":\"[4]\",\"data_offsets\":[0,16]}}", 16,
                "tensor 'a' 'shape' must be an array of integers, not string \"[4]\"");          // was a ClassCastException
        assertRefused(dir, "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,16]}}", 16, "'shape' must be an array of integers, not nothing");
        assertRefused(dir, "{\"a\":{\"dtype\":7,\"shape\":[4],\"data_offsets\":[0,16]}}", 16, "needs 'dtype' as a string, not number 7");
        assertRefused(dir, "{\"a\":{\"dtype\":\"I8\",\"shape\":[4],\"data_offsets\":[0,4]}}", 4,
                "tensor 'a' has dtype 'I8'; rat4j reads F64, F32, F16 and BF16");
        assertRefused(dir, "{\"a\":[0]}", 0, "tensor 'a' must be an object {dtype, shape, data_offsets}, not array [0]");
        assertRefused(dir, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4, "unknown key 'x'");
        assertRefused(dir, "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "Duplicate field 'a'");
        assertRefused(dir, "{} {}", 0, "does not parse");
        assertRefused(dir, "{\"__metadata__\":{\"format\":1}}", 0, "'__metadata__' entry 'format' must be a string, not number 1");
        assertRefused(dir, "{\"__metadata__\":\"pt\"}", 0, "'__metadata__' must be an object of strings");
        assertRefused(dir, "{\"a\\nb\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8, "tensor 'a b' has data_offsets");
        String message = refusal(file(dir, "{\"" + "x".repeat(5000) + "\":1}", new byte[0]));
        assertTrue(message.length() < 400, message);                                                   // long names are cut
    }

    @Test
    void headerLengthMustFitTheFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("len.safetensors");
        for (long n : new long[]{-1, 0, 1, 1000, SafeTensors.MAX_HEADER + 1}) {
            ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).putLong(n);
            Files.write(f, b.array());
            String message = refusal(f);
            assertTrue(message.contains("its header length " + Long.toUnsignedString(n) + " does not fit the file size 64"), message);
        }
        Files.write(f, new byte[5]);
        assertTrue(refusal(f).contains("shorter than the 8-byte header length"));
        Path bad = file(dir, "{\"a\":\"\u00e9\"}", new byte[0]);
        byte[] bytes = Files.readAllBytes(bad);
        bytes[bytes.length - 3] = (byte) 0xFF;                    // break the UTF-8 of é
        Files.write(bad, bytes);
        assertTrue(refusal(bad).contains("its header is not UTF-8 text"));
    }

    @Test
    void everyDtypeIsDecodedAcrossChunkBoundaries(@TempDir Path dir) throws Exception {
        // Values k/8 for k in -20..20 are exact in every dtype; 41 elements cross many 16-byte chunks, with a partial
        // last chunk, as a 3 GiB tensor crosses 8 MiB ones.
        int n = 41;
        ByteBuffer data = ByteBuffer.allocate(n * (8 + 4 + 2 + 2)).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < n; k++) data.putDouble((k - 20) / 8.0);
        for (int k = 0; k < n; k++) data.putFloat((k - 20) / 8f);
        for (int k = 0; k < n; k++) data.putShort((short) (Float.floatToIntBits((k - 20) / 8f) >>> 16));      // BF16: top half
        for (int k = 0; k < n; k++) data.putShort(half(k - 20));
        String header = "{\"d\":{\"dtype\":\"F64\",\"shape\":[41],\"data_offsets\":[0,328]},"
                + "\"f\":{\"dtype\":\"F32\",\"shape\":[41,1],\"data_offsets\":[328,492]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[1,41],\"data_offsets\":[492,574]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[41],\"data_offsets\":[574,656]},"
                + "\"empty\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[656,656]}}";
        Path f = file(dir, header, data.array());
        SafeTensors.Header h = SafeTensors.readHeader(f);
        assertEquals(List.of("d", "f", "b", "h", "empty"), h.entries().stream().map(SafeTensors.Entry::name).toList());
        for (DataType type : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            for (int chunk : new int[]{8, 16, 24, SafeTensors.CHUNK_BYTES}) {
                Map<String, INDArray> t = SafeTensors.read(h, type, Set.of("d", "f", "b", "h", "empty"), chunk);
                for (String name : List.of("d", "f", "b", "h")) {
                    INDArray a = t.get(name);
                    assertEquals(type, a.dataType());
                    assertEquals(41, a.length());
                    for (int k = 0; k < n; k++) assertEquals((k - 20) / 8.0, a.getDouble(k), name + "[" + k + "] chunk " + chunk);
                }
                assertArrayEquals(new long[]{41, 1}, t.get("f").shape());
                assertArrayEquals(new long[]{0, 3}, t.get("empty").shape());
            }
        }
        assertEquals(Set.of("f"), SafeTensors.read(h, DataType.FLOAT, Set.of("f")).keySet());   // only what is asked for
    }

    /** k/8 as IEEE binary16, |k| <= 20: sign, exponent 15 + e, 10-bit mantissa. */
    private static short half(int k) {
        if (k == 0) return 0;
        float v = Math.abs(k) / 8f;
        int e = Math.getExponent(v);
        int mantissa = Math.round((v / (float) Math.pow(2, e) - 1) * 1024);
        return (short) ((k < 0 ? 0x8000 : 0) | ((e + 15) << 10) | mantissa);
    }

    @Test
    void nonFiniteWeightsAreNamed(@TempDir Path dir) throws Exception {
        RatLanguageModel m = RatLanguageModel.initialize(ModelIOTest.CONFIG, 4, DataType.FLOAT);
        Map<String, INDArray> t = new LinkedHashMap<>(m.parameters());
        INDArray ln = Nd4j.ones(DataType.FLOAT, 16);
        ln.putScalar(3, Float.NaN);
        ln.putScalar(7, Float.NEGATIVE_INFINITY);
        t.put("backbone.ln.weight", ln);
        SafeTensors.write(dir.resolve(ModelIO.WEIGHTS), t, Map.of(), DataType.FLOAT);
        AtomicFiles.writeString(dir.resolve(ModelIO.CONFIG), ModelIOTest.CONFIG.toJson());
        ConfigException e = assertThrows(ConfigException.class, () -> ModelIO.load(dir, DataType.FLOAT));
        assertTrue(e.getMessage().contains("tensor 'backbone.ln.weight' holds 2 non-finite values (NaN or infinity) of 16"), e.getMessage());
    }

    @Test
    void tiedHeadCopyMustHaveTheEmbeddingShape(@TempDir Path dir) throws Exception {
        RatLanguageModel m = RatLanguageModel.initialize(ModelIOTest.CONFIG, 4, DataType.FLOAT);
        Map<String, INDArray> t = new LinkedHashMap<>(m.parameters());
        t.put(RatLanguageModel.LM_HEAD, Nd4j.zeros(DataType.FLOAT, 3, 16));
        SafeTensors.write(dir.resolve(ModelIO.WEIGHTS), t, Map.of(), DataType.FLOAT);
        AtomicFiles.writeString(dir.resolve(ModelIO.CONFIG), ModelIOTest.CONFIG.toJson());
        ConfigException e = assertThrows(ConfigException.class, () -> ModelIO.load(dir, DataType.FLOAT));
        assertTrue(e.getMessage().contains("tensor 'head.lm_head.weight' has shape [3, 16] but the model config needs ["), e.getMessage());
    }
}
