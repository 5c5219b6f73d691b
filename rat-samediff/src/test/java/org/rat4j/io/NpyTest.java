package org.rat4j.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The .npy writer: header, and C-order float32 values of views and of any block size. */
class NpyTest {
    @TempDir
    Path dir;

    /** The header's dictionary and the values of a written file. */
    private record Read(String header, float[] values) {
    }

    private Read read(Path f) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals((byte) 0x93, b.get());
        byte[] magic = new byte[5];
        b.get(magic);
        assertEquals("NUMPY", new String(magic, StandardCharsets.US_ASCII));
        assertEquals(1, b.get());
        assertEquals(0, b.get());
        int headerLength = b.getShort();
        assertEquals(0, (10 + headerLength) % 64, "data is 64-byte aligned");
        byte[] header = new byte[headerLength];
        b.get(header);
        float[] values = new float[b.remaining() / 4];
        b.asFloatBuffer().get(values);
        return new Read(new String(header, StandardCharsets.US_ASCII).trim(), values);
    }

    @Test
    void viewsAreWrittenInCOrderWhateverTheBlock() throws Exception {
        // [1, 4, 3] float64 0..11, then the view of rows 1..2 of its only slice: [2, 3] = 3, 4, 5, 6, 7, 8
        INDArray all = Nd4j.arange(12).castTo(DataType.DOUBLE).reshape('c', 1, 4, 3);
        INDArray view = all.get(NDArrayIndex.point(0), NDArrayIndex.interval(1, 3), NDArrayIndex.all());
        INDArray transposed = Nd4j.arange(6).castTo(DataType.FLOAT).reshape('c', 2, 3).transpose();   // [3, 2] = 0 3 / 1 4 / 2 5
        for (long block : new long[]{1, 2, 5, 1 << 20}) {
            Path f = dir.resolve("v" + block + ".npy");
            Npy.writeFloat32(f, view, block);
            Read r = read(f);
            assertEquals("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", r.header());
            assertArrayEquals(new float[]{3, 4, 5, 6, 7, 8}, r.values());

            Npy.writeFloat32(f, transposed, block);
            r = read(f);
            assertEquals("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", r.header());
            assertArrayEquals(new float[]{0, 3, 1, 4, 2, 5}, r.values());
        }
        Path f = dir.resolve("vector.npy");
        Npy.writeFloat32(f, Nd4j.createFromArray(1.5f, -2f, 3f), 2);
        Read r = read(f);
        assertEquals("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", r.header());
        assertArrayEquals(new float[]{1.5f, -2f, 3f}, r.values());
    }
}
