package org.rat4j.io.torch;

import org.junit.jupiter.api.Test;
import org.rat4j.config.ConfigException;

import java.math.BigInteger;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The restricted unpickler on pickles written by CPython 3.11, and on crafted and damaged ones. */
class RestrictedUnpicklerTest {
    /**
     * CPython's {@code pickle.dumps(obj, protocol=2)} and {@code protocol=4} of
     * <pre>
     * shared = [1, 2]
     * obj = {'ints': [0, 255, 65535, -1, 2**31, 2**40, -2**63, 2**70], 'f': 1.5, 'neg': -0.25, 's': 'héllo',
     *        'n': None, 't': True, 'fa': False, 'tup': (1, (2, 3), ()), 'shared': (shared, shared), 'b': b'\x00\xff'}
     * </pre>
     * Protocol 2 writes the bytes as {@code _codecs.encode('\x00ÿ', 'latin1')}; protocol 4 uses FRAME, MEMOIZE,
     * SHORT_BINUNICODE and SHORT_BINBYTES.
     */
    static final String PROTOCOL_2 = "80027d7100285804000000696e747371015d7102284b004bff4dffff4affffffff8a0500000080008a0600000000"
            + "00018a0800000000000000808a09000000000000000040655801000000667103473ff800000000000058030000006e6567710447bfd0"
            + "0000000000005801000000737105580600000068c3a96c6c6f710658010000006e71074e5801000000747108885802000000666171"
            + "09895803000000747570710a4b014b024b0386710b2987710c5806000000736861726564710d5d710e284b014b0265680e86710f58"
            + "01000000627110635f636f646563730a656e636f64650a7111580300000000c3bf711258060000006c6174696e3171138671145271"
            + "15752e";
    static final String PROTOCOL_4 = "800495a8000000000000007d94288c04696e7473945d94284b004bff4dffff4affffffff8a050000008000"
            + "8a060000000000018a0800000000000000808a09000000000000000040658c016694473ff80000000000008c036e65679447bfd000"
            + "00000000008c0173948c0668c3a96c6c6f948c016e944e8c017494888c02666194898c03747570944b014b024b0386942987948c0673"
            + "6861726564945d94284b014b0265680e86948c016294430200ff94752e";
    /** {@code class E: __reduce__ = lambda self: (builtins.eval, ("1+1",))}, protocol 2 (written as __builtin__). */
    static final String EVAL_2 = "8002635f5f6275696c74696e5f5f0a6576616c0a71005803000000312b3171018571025271032e";
    /** {@code (subprocess.Popen, (["true"],))}, protocol 4: the global comes from STACK_GLOBAL. */
    static final String POPEN_4 = "80049526000000000000008c0a73756270726f63657373948c05506f70656e9493945d948c0474727565946185"
            + "9452942e";
    /** {@code pickle.dumps(os.system, protocol=2)}: the bare global, never called. */
    static final String SYSTEM_2 = "800263706f7369780a73797374656d0a71002e";

    static Object load(byte[] pickle) {
        return RestrictedUnpickler.load(pickle, "test.pkl", new TorchGlobals("test.pkl"), pid -> {
            throw new AssertionError("no persistent ids here");
        });
    }

    static Object load(String hex) {
        return load(HexFormat.of().parseHex(hex));
    }

    @Test
    @SuppressWarnings("unchecked")
    void readsWhatPythonWritesInProtocols2And4() {
        for (String hex : new String[]{PROTOCOL_2, PROTOCOL_4}) {
            Map<String, Object> m = (Map<String, Object>) load(hex);
            assertEquals(List.of("ints", "f", "neg", "s", "n", "t", "fa", "tup", "shared", "b"), List.copyOf(m.keySet()));
            assertEquals(List.of(0L, 255L, 65535L, -1L, 2147483648L, 1L << 40, Long.MIN_VALUE, BigInteger.TWO.pow(70)), m.get("ints"));
            assertEquals(1.5, m.get("f"));
            assertEquals(-0.25, m.get("neg"));
            assertEquals("héllo", m.get("s"));
            assertTrue(m.containsKey("n"));
            assertNull(m.get("n"));
            assertEquals(Boolean.TRUE, m.get("t"));
            assertEquals(Boolean.FALSE, m.get("fa"));
            assertEquals(List.of(1L, List.of(2L, 3L), List.of()), m.get("tup"));
            List<Object> shared = (List<Object>) m.get("shared");
            assertEquals(List.of(1L, 2L), shared.get(0));
            assertSame(shared.get(0), shared.get(1), "the memo gives back the same list");
            assertArrayEquals(new byte[]{0, (byte) 0xFF}, (byte[]) m.get("b"));
        }
    }

    @Test
    void refusesEveryGlobalOffTheAllowList() {
        assertRefused("builtins.eval", HexFormat.of().parseHex(EVAL_2));
        assertRefused("subprocess.Popen", HexFormat.of().parseHex(POPEN_4));
        assertRefused("posix.system", HexFormat.of().parseHex(SYSTEM_2));
        // INST names its class inline (protocol 0): MARK, INST os system
        assertRefused("os.system", new PickleWriter().proto(2).mark().op('i').raw("os\nsystem\n").stop());
        // an allowed name in a disallowed module stays refused: there is no torch.os
        assertRefused("torch.load", new PickleWriter().proto(2).global("torch", "load").stop());
    }

    private static void assertRefused(String global, byte[] pickle) {
        RestrictedUnpickler.RefusedGlobalException e = assertThrows(RestrictedUnpickler.RefusedGlobalException.class, () -> load(pickle));
        assertEquals(global, e.global());
        assertTrue(e.getMessage().contains("'" + global + "'") && e.getMessage().startsWith("test.pkl is refused"), e.getMessage());
        assertTrue(e.getMessage().contains("never runs code"), e.getMessage());
    }

    @Test
    void damagedOrUnsupportedPicklesAreNamedErrors() {
        byte[] p2 = HexFormat.of().parseHex(PROTOCOL_2);
        assertMessage("truncated", java.util.Arrays.copyOf(p2, 60));
        assertMessage("without a STOP", java.util.Arrays.copyOf(p2, p2.length - 1));
        assertMessage("memo slot 7 is read before", new PickleWriter().proto(2).op('h').op(7).stop());
        assertMessage("opcode 0x49", new PickleWriter().proto(2).op('I').stop());               // text INT, protocol 0
        assertMessage("EXT", new PickleWriter().proto(2).op(0x82).op(1).stop());                // extension registry
        assertMessage("BUILD on a list or tuple", new PickleWriter().proto(2).op(']').op('}').op('b').stop());
        assertMessage("not a callable global",
                new PickleWriter().proto(2).global("torch", "FloatStorage").op(')').op('R').stop());
        assertMessage("STOP leaves 2 values", new PickleWriter().proto(2).op('N').op('N').stop());
    }

    private static void assertMessage(String part, byte[] pickle) {
        ConfigException e = assertThrows(ConfigException.class, () -> load(pickle));
        assertTrue(e.getMessage().contains(part) && e.getMessage().startsWith("test.pkl"), e.getMessage());
    }
}
