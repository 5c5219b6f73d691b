package org.rat4j.io;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Writes NumPy {@code .npy} files (format 1.0, little-endian float32, C order), readable by {@code numpy.load}. */
public final class Npy {
    /** Values converted and written at a time (4 MiB as float32). */
    private static final long BLOCK_VALUES = 1 << 20;

    private Npy() {
    }

    public static void writeFloat32(Path file, INDArray array) throws IOException {
        writeFloat32(file, array, BLOCK_VALUES);
    }

    /** {@link #writeFloat32(Path, INDArray)} converting about {@code blockValues} values at a time (tests use few). */
    static void writeFloat32(Path file, INDArray array, long blockValues) throws IOException {
        long[] shape = array.shape();
        String dims = shape.length == 1 ? shape[0] + "," : Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(", "));
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
        int preamble = 10;                                          // magic(6) + version(2) + header length(2)
        int total = (preamble + dict.length() + 1 + 63) / 64 * 64;  // header ends in '\n', data 64-byte aligned
        String header = dict + " ".repeat(total - preamble - dict.length() - 1) + "\n";
        AtomicFiles.write(file, out -> {
            ByteBuffer head = ByteBuffer.allocate(preamble).order(ByteOrder.LITTLE_ENDIAN);
            head.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
            head.putShort((short) header.length());
            out.write(head.array());
            out.write(header.getBytes(StandardCharsets.US_ASCII));
            writeData(out, array, blockValues);
        });
    }

    /**
     * The values in C order. A matrix (logits {@code [T, V]}, which for a long text are gigabytes; converting them
     * whole took two more copies of that size on the heap) is converted and written a block of rows at a time; other
     * ranks whole. Rows are taken with {@code getRow}: a second {@code get(interval)} of a view returned an empty
     * array in ND4J 1.0.0-M2.1 (docs/dl4j-notes.md, item 21).
     */
    private static void writeData(OutputStream out, INDArray array, long blockValues) throws IOException {
        if (array.rank() != 2) {
            writeValues(out, array.dup('c').castTo(DataType.FLOAT).data().asFloat());
            return;
        }
        long rows = array.size(0);
        long columns = array.size(1);
        long step = Math.max(1, blockValues / Math.max(1, columns));
        for (long first = 0; first < rows; first += step) {
            int n = (int) Math.min(step, rows - first);
            float[] values = new float[Math.toIntExact(n * columns)];
            for (int r = 0; r < n; r++) {
                float[] row = array.getRow(first + r).dup('c').castTo(DataType.FLOAT).data().asFloat();
                System.arraycopy(row, 0, values, (int) (r * columns), row.length);
            }
            writeValues(out, values);
        }
    }

    private static void writeValues(OutputStream out, float[] values) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        out.write(bytes.array());
    }
}
