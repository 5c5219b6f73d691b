package org.rat4j.io.torch;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Writes pickle opcodes one by one, for tests that need a pickle Python would not write (or a crafted attack). */
final class PickleWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    PickleWriter op(int opcode) {
        out.write(opcode);
        return this;
    }

    PickleWriter proto(int p) {
        return op(0x80).op(p);
    }

    PickleWriter mark() {
        return op('(');
    }

    /** Bytes as they are, e.g. the inline names of INST. */
    PickleWriter raw(String text) {
        out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    PickleWriter global(String module, String name) {
        op('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
        return this;
    }

    PickleWriter str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op('X');
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        out.writeBytes(b);
        return this;
    }

    /** BININT when it fits 32 bits, else LONG1 with 8 little-endian two's-complement bytes. */
    PickleWriter integer(long v) {
        if (v == (int) v) {
            op('J');
            out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
        } else {
            op(0x8A).op(8);
            out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
        }
        return this;
    }

    /** MARK, the values, TUPLE. */
    PickleWriter ints(long... values) {
        mark();
        for (long v : values) integer(v);
        return op('t');
    }

    byte[] stop() {
        op('.');
        return out.toByteArray();
    }

    byte[] bytes() {
        return out.toByteArray();
    }
}
