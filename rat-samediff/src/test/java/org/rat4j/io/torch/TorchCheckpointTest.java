package org.rat4j.io.torch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rat4j.config.ConfigException;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/** The zip container and the storage records, on hand-made checkpoints in forms torch 1.13 does not write. */
class TorchCheckpointTest {
    /** A torch.save-style zip: the records under {@code ck/}. */
    static Path zip(Path dir, String name, Map<String, byte[]> records) throws Exception {
        Path f = dir.resolve(name);
        try (OutputStream os = Files.newOutputStream(f); ZipOutputStream z = new ZipOutputStream(os)) {
            for (Map.Entry<String, byte[]> e : records.entrySet()) {
                z.putNextEntry(new ZipEntry("ck/" + e.getKey()));
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return f;
    }

    /** ('storage', GLOBAL module.cls, key, 'cpu', numel) then BINPERSID. */
    static PickleWriter storage(PickleWriter p, String module, String cls, String key, int numel) {
        return p.mark().str("storage").global(module, cls).str(key).str("cpu").integer(numel).op('t').op('Q');
    }

    /** torch._utils._rebuild_tensor_v2 or v3 over a storage; v3 takes the dtype global. */
    static PickleWriter tensor(PickleWriter p, String storageModule, String storageClass, String key, int numel,
                               int offset, long[] shape, long[] stride, String v3Dtype) {
        p.global("torch._utils", v3Dtype == null ? "_rebuild_tensor_v2" : "_rebuild_tensor_v3").mark();
        storage(p, storageModule, storageClass, key, numel).integer(offset).ints(shape).ints(stride).op(0x89)
                .global("collections", "OrderedDict").op(')').op('R');
        if (v3Dtype != null) p.global("torch", v3Dtype);
        return p.op('t').op('R');
    }

    static byte[] doubles(ByteOrder order, double... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(order);
        for (double x : v) b.putDouble(x);
        return b.array();
    }

    static byte[] shorts(ByteOrder order, int... v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(order);
        for (int x : v) b.putShort((short) x);
        return b.array();
    }

    @Test
    void readsRebuildV3OverAnUntypedStorageAndHonoursBigEndian(@TempDir Path dir) throws Exception {
        // {'a': float64 [1.5, -2.25] via _rebuild_tensor_v3 on 16 untyped bytes,
        //  'b': float16 storage [1.0, -2.0, 0.5] (0x3C00, 0xC000, 0x3800), viewed from offset 1: [-2.0, 0.5]}
        PickleWriter p = new PickleWriter().proto(2).op('}').mark().str("a");
        tensor(p, "torch.storage", "UntypedStorage", "0", 16, 0, new long[]{2}, new long[]{1}, "float64");
        p.str("b");
        tensor(p, "torch", "HalfStorage", "1", 3, 1, new long[]{2}, new long[]{1}, null);
        Map<String, byte[]> records = new LinkedHashMap<>();
        records.put("data.pkl", p.op('u').stop());
        records.put("byteorder", "big".getBytes());
        records.put("data/0", doubles(ByteOrder.BIG_ENDIAN, 1.5, -2.25));
        records.put("data/1", shorts(ByteOrder.BIG_ENDIAN, 0x3C00, 0xC000, 0x3800));
        try (TorchCheckpoint c = TorchCheckpoint.open(zip(dir, "v3.pth", records))) {
            Map<?, ?> root = (Map<?, ?>) c.root();
            TorchTensor a = (TorchTensor) root.get("a");
            assertEquals(TorchDtype.FLOAT64, a.dtype());
            assertArrayEquals(new float[]{1.5f, -2.25f}, c.readFloats(a));
            assertArrayEquals(new float[]{-2.0f, 0.5f}, c.readFloats((TorchTensor) root.get("b")));
        }
    }

    @Test
    void aStorageRecordOfTheWrongSizeIsNamed(@TempDir Path dir) throws Exception {
        PickleWriter p = new PickleWriter().proto(2).op('}').str("w");
        tensor(p, "torch", "HalfStorage", "0", 4, 0, new long[]{4}, new long[]{1}, null);
        Map<String, byte[]> records = Map.of("data.pkl", p.op('s').stop(), "data/0", new byte[6]);
        String m = assertThrows(ConfigException.class, () -> TorchCheckpoint.open(zip(dir, "short.pth", records))).getMessage();
        assertTrue(m.contains("storage 0 holds 6 bytes but its pickle promises 8 (4 × float16)"), m);
    }

    @Test
    void aViewPastItsStorageIsNamed(@TempDir Path dir) throws Exception {
        PickleWriter p = new PickleWriter().proto(2).op('}').str("w");
        tensor(p, "torch", "FloatStorage", "0", 3, 2, new long[]{2}, new long[]{1}, null);
        Map<String, byte[]> records = Map.of("data.pkl", p.op('s').stop(), "data/0", new byte[12]);
        String m = assertThrows(ConfigException.class, () -> TorchCheckpoint.open(zip(dir, "past.pth", records))).getMessage();
        assertTrue(m.contains("a tensor [2] at offset 2 with strides [1] reaches past the 3 elements of storage 0"), m);
    }

    @Test
    void sizesWhoseProductOverflowsAreNamed(@TempDir Path dir) throws Exception {
        // [2^31, 2^31, 2^31, 2^31] elements overflow a long; stride 0 keeps the naive span at 1 element.
        PickleWriter p = new PickleWriter().proto(2).op('}').str("w");
        long big = 1L << 31;
        tensor(p, "torch", "FloatStorage", "0", 1, 0, new long[]{big, big, big, big}, new long[]{0, 0, 0, 0}, null);
        Map<String, byte[]> records = Map.of("data.pkl", p.op('s').stop(), "data/0", new byte[4]);
        String m = assertThrows(ConfigException.class, () -> TorchCheckpoint.open(zip(dir, "huge.pth", records))).getMessage();
        assertTrue(m.contains("reaches past the 1 elements of storage 0"), m);
    }

    @Test
    void aCheckpointWithoutTensorsListsItsKeys(@TempDir Path dir) throws Exception {
        byte[] pkl = new PickleWriter().proto(2).op('}').mark().str("step").integer(3).str("config").op('}').op('u').stop();
        try (TorchCheckpoint c = TorchCheckpoint.open(zip(dir, "empty.pth", Map.of("data.pkl", pkl)))) {
            String m = assertThrows(ConfigException.class, () -> StateDictImport.stateDict(c)).getMessage();
            assertTrue(m.contains("holds no state dict") && m.contains("[step, config]"), m);
        }
    }

    @Test
    void otherFilesAreNamedForWhatTheyAre(@TempDir Path dir) throws Exception {
        Path legacy = dir.resolve("legacy.pth");
        Files.write(legacy, new PickleWriter().proto(2).integer(1).stop());       // pre-1.6 files open with a pickle
        assertTrue(assertThrows(ConfigException.class, () -> TorchCheckpoint.open(legacy)).getMessage().contains("legacy format"));
        Path text = dir.resolve("notes.pth");
        Files.writeString(text, "hello");
        assertTrue(assertThrows(ConfigException.class, () -> TorchCheckpoint.open(text)).getMessage().contains("zip header"));
        Path script = zip(dir, "script.pt", Map.of("data.pkl", new byte[]{'.'}, "constants.pkl", new byte[]{'.'}));
        assertTrue(assertThrows(ConfigException.class, () -> TorchCheckpoint.open(script)).getMessage().contains("TorchScript"));
        Path other = zip(dir, "other.zip", Map.of("readme.txt", new byte[]{'x'}));
        assertTrue(assertThrows(ConfigException.class, () -> TorchCheckpoint.open(other)).getMessage().contains("no <archive>/data.pkl"));
        assertTrue(assertThrows(ConfigException.class, () -> TorchCheckpoint.open(dir.resolve("absent.pth"))).getMessage()
                .contains("checkpoint not found"));
    }

    @Test
    void anIntegerTensorIsNotAWeight(@TempDir Path dir) throws Exception {
        PickleWriter p = new PickleWriter().proto(2).op('}').str("steps");
        tensor(p, "torch", "LongStorage", "0", 2, 0, new long[]{2}, new long[]{1}, null);
        Map<String, byte[]> records = Map.of("data.pkl", p.op('s').stop(), "data/0", new byte[16]);
        try (TorchCheckpoint c = TorchCheckpoint.open(zip(dir, "ints.pth", records))) {
            TorchTensor t = (TorchTensor) ((Map<?, ?>) c.root()).get("steps");
            String m = assertThrows(ConfigException.class, () -> c.readFloats(t)).getMessage();
            assertTrue(m.contains("a tensor [2] of dtype int64 cannot be read as weights"), m);
        }
    }
}
