package org.rat4j.io;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/** Writes NumPy {@code .npy} files (format 1.0, little-endian float32, C order), readable by {@code numpy.load}. */
public final class Npy {
    private Npy() {
    }

    public static void writeFloat32(Path file, INDArray array) throws IOException {
        long[] shape = array.shape();
        String dims = shape.length == 1 ? shape[0] + "," : Arrays.stream(shape).mapToObj(Long::toString).collect(Collectors.joining(", "));
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
        int preamble = 10;                                          // magic(6) + version(2) + header length(2)
        int total = (preamble + dict.length() + 1 + 63) / 64 * 64;  // header ends in '\n', data 64-byte aligned
        String header = dict + " ".repeat(total - preamble - dict.length() - 1) + "\n";
        float[] values = array.castTo(DataType.FLOAT).dup('c').data().asFloat();
        AtomicFiles.write(file, out -> {
            ByteBuffer head = ByteBuffer.allocate(preamble).order(ByteOrder.LITTLE_ENDIAN);
            head.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0);
            head.putShort((short) header.length());
            out.write(head.array());
            out.write(header.getBytes(StandardCharsets.US_ASCII));
            ByteBuffer data = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            data.asFloatBuffer().put(values);
            out.write(data.array());
        });
    }
}
