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

    PickleWriter integer(int v) {
        op('J');
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array());
        return this;
    }

    /** MARK, the values, TUPLE. */
    PickleWriter ints(long... values) {
        mark();
        for (long v : values) integer((int) v);
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
