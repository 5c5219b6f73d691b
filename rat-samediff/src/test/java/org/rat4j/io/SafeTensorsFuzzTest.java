package org.rat4j.io;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.config.ConfigException;
import org.rat4j.model.RatLanguageModel;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Fuzz tests of the safetensors reader (issue 14, deliverable 8), on Jazzer's JUnit integration. Every input ends in
 * a value or a one-line {@link ConfigException} naming the file, never another exception; and whatever the reader
 * accepts, it allocates no more elements than the file holds bytes (the validated tensors tile the data section).
 *
 * <p>In the normal suite ({@code mvn test}) each target runs once per input in {@code SafeTensorsFuzzTestInputs/}
 * (a bounded, fixed set: hand-made hostile files and what earlier fuzzing runs found) plus the empty input. To fuzz
 * one target, coverage-guided, for its {@code maxExecutions}:
 * {@code JAZZER_FUZZ=1 mvn -o -pl rat-samediff test -Dtest='SafeTensorsFuzzTest#hostileHeader'}; new findings are
 * written to that inputs folder and become regression cases.
 */
class SafeTensorsFuzzTest {
    private static final List<String> DTYPES = List.of("F64", "F32", "F16", "BF16", "I8", "U8", "F8_E4M3", "", "f32");
    private static final List<String> KEYS = List.of("dtype", "shape", "data_offsets", "__metadata__", "x");

    /** Any bytes as a file: the header length, the JSON and the data all come from the fuzzer. */
    @FuzzTest(maxExecutions = 20_000, maxDuration = "2m")
    void anyFile(byte[] bytes) throws IOException {
        Path f = scratch("any.safetensors");
        Files.write(f, bytes);
        check(f);
    }

    /**
     * A well-formed file (length, JSON, data) whose header entries are built from fuzzer choices: names, dtypes
     * (also unknown ones), shapes and offsets as any JSON value (negative, huge, fractional, null, strings, nested),
     * extra keys, metadata, and a data section of any length up to 4 KiB.
     */
    @FuzzTest(maxExecutions = 20_000, maxDuration = "2m")
    void hostileHeader(FuzzedDataProvider d) throws IOException {
        StringBuilder json = new StringBuilder("{");
        int n = d.consumeInt(0, 4);
        for (int i = 0; i < n; i++) {
            if (i > 0) json.append(',');
            json.append(quoted(d.consumeBoolean() ? "t" + i : d.consumeString(8))).append(':');
            if (d.consumeInt(0, 15) == 0) {
                json.append(value(d, 2));
                continue;
            }
            json.append("{\"dtype\":").append(d.consumeBoolean() ? quoted(d.pickValue(DTYPES)) : value(d, 1));
            json.append(",\"shape\":").append(d.consumeBoolean() ? integers(d, d.consumeInt(0, 3)) : value(d, 2));
            json.append(",\"data_offsets\":").append(d.consumeBoolean() ? integers(d, 2) : value(d, 2));
            if (d.consumeInt(0, 7) == 0) json.append(',').append(quoted(d.pickValue(KEYS))).append(':').append(value(d, 1));
            json.append('}');
        }
        if (d.consumeInt(0, 7) == 0) json.append(n > 0 ? "," : "").append("\"__metadata__\":").append(value(d, 2));
        json.append('}');
        Path f = scratch("header.safetensors");
        write(f, json.toString().getBytes(StandardCharsets.UTF_8), new byte[d.consumeInt(0, 4096)]);
        check(f);
    }

    /**
     * A valid model file changed in a few places (bytes of the header or data overwritten, the file cut or extended),
     * loaded through {@link ModelIO#load} with its matching config: a value or one line, as for any other input.
     */
    @FuzzTest(maxExecutions = 5_000, maxDuration = "2m")
    void mutatedModel(FuzzedDataProvider d) throws IOException {
        Path dir = scratch("model");
        if (!Files.isRegularFile(dir.resolve(ModelIO.CONFIG))) {
            ModelIO.save(RatLanguageModel.initialize(ModelIOTest.CONFIG, 4, DataType.FLOAT), dir);
            Files.copy(dir.resolve(ModelIO.WEIGHTS), dir.resolve("valid"));
        }
        byte[] bytes = Files.readAllBytes(dir.resolve("valid"));
        int edits = d.consumeInt(0, 4);
        for (int i = 0; i < edits && bytes.length > 0; i++) {
            int at = d.consumeInt(0, Math.max(0, Math.min(bytes.length - 1, 2048)));   // mostly the header
            switch (d.consumeInt(0, 3)) {
                case 0 -> bytes[at] = d.consumeByte();
                case 1 -> bytes[at] = (byte) "-.0123456789e,[]{}\" ".charAt(d.consumeInt(0, 19));
                case 2 -> bytes = java.util.Arrays.copyOf(bytes, at);
                default -> bytes = java.util.Arrays.copyOf(bytes, bytes.length + d.consumeInt(1, 64));
            }
        }
        Files.write(dir.resolve(ModelIO.WEIGHTS), bytes);
        try {
            RatLanguageModel m = ModelIO.load(dir, DataType.FLOAT);
            assertEquals(RatLanguageModel.parameterShapes(ModelIOTest.CONFIG).keySet(), m.parameters().keySet());
        } catch (ConfigException e) {
            assertOneLine(e);
        }
    }

    /** The invariant every target checks: a valid file is read within its own size; anything else is one line. */
    static void check(Path f) throws IOException {
        SafeTensors.Header h;
        try {
            h = SafeTensors.readHeader(f);
        } catch (ConfigException e) {
            assertTrue(e.getMessage().startsWith(f.toString()), e.getMessage());
            assertOneLine(e);
            return;
        }
        long declared = 0;
        for (SafeTensors.Entry e : h.entries()) {
            assertTrue(e.begin() >= 0 && e.end() >= e.begin(), e.toString());
            declared += e.end() - e.begin();
        }
        assertEquals(Files.size(f) - h.dataStart(), h.dataBytes());
        assertEquals(h.dataBytes(), declared, "the tensors tile the data section");
        try {
            Map<String, INDArray> t = SafeTensors.read(h, DataType.FLOAT, h.shapes().keySet());
            long elements = 0;
            for (INDArray a : t.values()) elements += a.length();
            // at least 2 bytes per element: what was allocated is bounded by the file
            assertTrue(2 * elements <= h.dataBytes(), elements + " elements from " + h.dataBytes() + " bytes");
        } catch (ConfigException e) {
            assertTrue(e.getMessage().contains("non-finite values"), e.getMessage());   // the only refusal left
            assertOneLine(e);
        }
    }

    static void assertOneLine(ConfigException e) {
        assertNotNull(e.getMessage());
        assertFalse(e.getMessage().isBlank());
        assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\r"), e.getMessage());
    }

    private static void write(Path f, byte[] header, byte[] data) throws IOException {
        try (OutputStream out = Files.newOutputStream(f)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            out.write(header);
            out.write(data);
        }
    }

    /** A JSON array of {@code n} integers, each small (a plausible size or offset) or any long. */
    private static String integers(FuzzedDataProvider d, int n) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            if (i > 0) s.append(',');
            s.append(d.consumeBoolean() ? d.consumeInt(0, 64) : d.consumeLong());
        }
        return s.append(']').toString();
    }

    /** Any JSON value, nested up to {@code depth}. */
    private static String value(FuzzedDataProvider d, int depth) {
        return switch (d.consumeInt(0, depth > 0 ? 8 : 6)) {
            case 0 -> "null";
            case 1 -> Boolean.toString(d.consumeBoolean());
            case 2 -> Long.toString(d.consumeLong());
            case 3 -> Double.toString(d.consumeRegularDouble());
            case 4 -> quoted(d.consumeString(8));
            case 5 -> "1" + "0".repeat(d.consumeInt(19, 40));          // beyond a long
            case 6 -> Integer.toString(d.consumeInt(-8, 64));
            case 7 -> "[" + value(d, depth - 1) + "," + value(d, depth - 1) + "]";
            default -> "{" + quoted(d.consumeString(4)) + ":" + value(d, depth - 1) + "}";
        };
    }

    private static String quoted(String s) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(s);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A path in this class's temporary folder (fuzzing runs a target many times per test instance). */
    static Path scratch(String name) throws IOException {
        Path p = scratch.resolve(name);
        if (!name.contains(".")) Files.createDirectories(p);
        return p;
    }

    @TempDir
    static Path scratch;
}
