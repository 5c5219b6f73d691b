package org.rat4j.io.torch;

import org.rat4j.config.ConfigException;

import java.math.BigInteger;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.*;
import java.util.function.Function;

/**
 * Reads Python pickle data (the binary protocols 2 to 5) into plain Java values, resolving globals only through an
 * allow-list: a pickle names the functions and classes it wants called ({@code GLOBAL os system} followed by
 * {@code REDUCE} is how a malicious checkpoint runs a shell command under Python's {@code pickle}), and here every
 * global goes through {@link Globals#resolve}, which returns a Java stand-in or refuses the file.
 * Nothing is ever looked up by name in the JVM, so loading cannot run code whatever the allow-list holds.
 *
 * <p>Values: None is {@code null}, bool {@link Boolean}, int {@link Long} (or {@link BigInteger} past 64 bits),
 * float {@link Double}, str {@link String}, bytes {@code byte[]}, list a mutable {@link ArrayList}, tuple an
 * unmodifiable {@link List}, dict a {@link LinkedHashMap}, set a {@link LinkedHashSet}. Globals become whatever
 * {@link Globals} returns; {@code REDUCE} and {@code NEWOBJ} apply a {@link Function} stand-in to its argument tuple.
 * {@code BUILD} (set the attributes of an object) is accepted on dicts only, where Python puts attributes such as
 * an {@code OrderedDict}'s {@code _metadata}; the attributes are dropped.
 *
 * <p>Opcodes follow CPython's {@code Lib/pickle.py}; text opcodes of protocol 0 other than {@code GLOBAL} (which
 * protocol 2 still uses), and the extension registry, are not supported and named in the error.
 */
public final class RestrictedUnpickler {
    /** The allow-list: maps a global to its Java stand-in, or returns null to refuse it. */
    public interface Globals {
        /** The stand-in for {@code module.name}, or null when the global is not allowed. */
        Object resolve(String module, String name);

        /** The sentence appended to a refusal: what is allowed and what to do instead. */
        String refusalAdvice();
    }

    /** A global the pickle may call with {@code REDUCE} or instantiate with {@code NEWOBJ}. */
    @FunctionalInterface
    public interface Call extends Function<List<Object>, Object> {
    }

    /** Thrown for a global outside the allow-list; the message names it. */
    public static final class RefusedGlobalException extends ConfigException {
        private final String global;

        RefusedGlobalException(String global, String message) {
            super(message);
            this.global = global;
        }

        /** The refused global as {@code module.name}, e.g. {@code posix.system}. */
        public String global() {
            return global;
        }
    }

    private static final int HIGHEST_PROTOCOL = 5;
    private static final Map<String, String> PYTHON2_MODULES = Map.of("__builtin__", "builtins", "copy_reg", "copyreg");

    private final ByteBuffer in;
    private final String source;
    private final Globals globals;
    private final Function<Object, Object> persistentLoad;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final ArrayDeque<Integer> marks = new ArrayDeque<>();
    private final HashMap<Long, Object> memo = new HashMap<>();
    private int opcodeAt;

    private RestrictedUnpickler(byte[] data, String source, Globals globals, Function<Object, Object> persistentLoad) {
        this.in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        this.source = source;
        this.globals = globals;
        this.persistentLoad = persistentLoad;
    }

    /**
     * Unpickles {@code data}.
     *
     * @param source         names the data in error messages (e.g. {@code ckpt.pth:archive/data.pkl})
     * @param persistentLoad turns a persistent id ({@code BINPERSID}) into an object; torch.save uses it for storages
     */
    public static Object load(byte[] data, String source, Globals globals, Function<Object, Object> persistentLoad) {
        RestrictedUnpickler u = new RestrictedUnpickler(data, source, globals, persistentLoad);
        try {
            return u.run();
        } catch (BufferUnderflowException e) {
            throw u.corrupt("it is truncated");
        }
    }

    private Object run() {
        while (true) {
            if (!in.hasRemaining()) throw corrupt("it ends without a STOP opcode");
            opcodeAt = in.position();
            int op = in.get() & 0xFF;
            switch (op) {
                case 0x80 -> {                                                    // PROTO
                    int proto = u8();
                    if (proto > HIGHEST_PROTOCOL) throw corrupt("pickle protocol " + proto + " is newer than 5");
                }
                case 0x95 -> skip(8);                                             // FRAME: a length hint only
                case 0x2E -> {                                                    // STOP
                    if (stack.size() != 1 || !marks.isEmpty()) throw corrupt("STOP leaves " + stack.size() + " values on the stack");
                    return stack.get(0);
                }
                case 0x28 -> marks.push(stack.size());                            // MARK
                case 0x30 -> pop();                                               // POP
                case 0x31 -> popMark();                                           // POP_MARK
                case 0x32 -> push(peek());                                        // DUP
                case 0x4E -> push(null);                                          // NONE
                case 0x88 -> push(Boolean.TRUE);                                  // NEWTRUE
                case 0x89 -> push(Boolean.FALSE);                                 // NEWFALSE
                case 0x4A -> push((long) in.getInt());                            // BININT
                case 0x4B -> push((long) u8());                                   // BININT1
                case 0x4D -> push((long) (in.getShort() & 0xFFFF));               // BININT2
                case 0x8A -> push(longFromBytes(bytes(u8())));                    // LONG1
                case 0x8B -> push(longFromBytes(bytes(length(in.getInt() & 0xFFFFFFFFL))));  // LONG4
                case 0x47 -> push(Double.longBitsToDouble(Long.reverseBytes(in.getLong())));  // BINFLOAT, big-endian
                case 0x58 -> push(utf8(bytes(length(in.getInt() & 0xFFFFFFFFL))));          // BINUNICODE
                case 0x8C -> push(utf8(bytes(u8())));                              // SHORT_BINUNICODE
                case 0x8D -> push(utf8(bytes(length(in.getLong()))));             // BINUNICODE8
                case 0x54 -> push(utf8(bytes(length(in.getInt()))));              // BINSTRING (Python 2 str)
                case 0x55 -> push(utf8(bytes(u8())));                              // SHORT_BINSTRING
                case 0x42 -> push(bytes(length(in.getInt() & 0xFFFFFFFFL)));       // BINBYTES
                case 0x43 -> push(bytes(u8()));                                    // SHORT_BINBYTES
                case 0x8E -> push(bytes(length(in.getLong())));                   // BINBYTES8
                case 0x29 -> push(tuple(List.of()));                               // EMPTY_TUPLE
                case 0x74 -> push(tuple(popMark()));                               // TUPLE
                case 0x85 -> push(tuple(popN(1)));                                 // TUPLE1
                case 0x86 -> push(tuple(popN(2)));                                 // TUPLE2
                case 0x87 -> push(tuple(popN(3)));                                 // TUPLE3
                case 0x5D -> push(new ArrayList<>());                              // EMPTY_LIST
                case 0x6C -> push(new ArrayList<>(popMark()));                     // LIST
                case 0x61 -> list(peekBelow(1), "APPEND").add(pop());              // APPEND
                case 0x65 -> {                                                     // APPENDS
                    List<Object> items = popMark();
                    list(peek(), "APPENDS").addAll(items);
                }
                case 0x7D -> push(new LinkedHashMap<>());                          // EMPTY_DICT
                case 0x64 -> {                                                     // DICT
                    Map<Object, Object> m = new LinkedHashMap<>();
                    putPairs(m, popMark());
                    push(m);
                }
                case 0x73 -> {                                                     // SETITEM
                    Object value = pop();
                    Object key = pop();
                    dict(peek(), "SETITEM").put(key, value);
                }
                case 0x75 -> {                                                     // SETITEMS
                    List<Object> pairs = popMark();
                    putPairs(dict(peek(), "SETITEMS"), pairs);
                }
                case 0x8F -> push(new LinkedHashSet<>());                          // EMPTY_SET
                case 0x90 -> {                                                     // ADDITEMS
                    List<Object> items = popMark();
                    set(peek()).addAll(items);
                }
                case 0x91 -> push(Collections.unmodifiableSet(new LinkedHashSet<>(popMark())));  // FROZENSET
                case 0x71 -> memo.put((long) u8(), peek());                        // BINPUT
                case 0x72 -> memo.put(in.getInt() & 0xFFFFFFFFL, peek());          // LONG_BINPUT
                case 0x94 -> memo.put((long) memo.size(), peek());                 // MEMOIZE
                case 0x68 -> push(memoGet(u8()));                                  // BINGET
                case 0x6A -> push(memoGet(in.getInt() & 0xFFFFFFFFL));             // LONG_BINGET
                case 0x63 -> push(global(line(), line()));                         // GLOBAL
                case 0x93 -> {                                                     // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) throw corrupt("STACK_GLOBAL needs two strings");
                    push(global(m, n));
                }
                case 0x52 -> {                                                     // REDUCE
                    List<Object> args = tupleArg(pop(), "REDUCE");
                    push(call(pop(), args, "REDUCE"));
                }
                case 0x81 -> {                                                     // NEWOBJ
                    List<Object> args = tupleArg(pop(), "NEWOBJ");
                    push(call(pop(), args, "NEWOBJ"));
                }
                case 0x92 -> {                                                     // NEWOBJ_EX
                    Object kwargs = pop();
                    List<Object> args = tupleArg(pop(), "NEWOBJ_EX");
                    if (!(kwargs instanceof Map<?, ?> kw) || !kw.isEmpty()) throw corrupt("NEWOBJ_EX with keyword arguments");
                    push(call(pop(), args, "NEWOBJ_EX"));
                }
                case 0x62 -> {                                                     // BUILD
                    Object state = pop();
                    build(peek(), state);
                }
                case 0x51 -> push(persistentLoad.apply(pop()));                    // BINPERSID
                case 0x69 -> {                                                     // INST: a global, then a call
                    global(line(), line());
                    throw unsupported(op, "INST (protocol 0 instantiation)");
                }
                case 0x82, 0x83, 0x84 -> throw unsupported(op, "EXT (copyreg extension codes name globals indirectly)");
                default -> throw unsupported(op, null);
            }
        }
    }

    private Object global(String pickledModule, String name) {
        // Protocols < 3 write Python 2 module names; Python 3 reads them under their new names (fix_imports).
        String module = PYTHON2_MODULES.getOrDefault(pickledModule, pickledModule);
        Object resolved = globals.resolve(module, name);
        if (resolved == null) {
            String global = module + "." + name;
            throw new RefusedGlobalException(global, source + " is refused: its pickle asks for the global '" + global
                    + "' (byte " + opcodeAt + "), which is not on rat4j's allow-list. " + globals.refusalAdvice());
        }
        return resolved;
    }

    private Object call(Object target, List<Object> args, String opcode) {
        if (!(target instanceof Call c)) throw corrupt(opcode + " applied to " + describe(target) + ", which is not a callable global");
        return c.apply(args);
    }

    private void build(Object target, Object state) {
        // Python's BUILD with a (dict, slots) pair or a dict sets attributes; a dict subclass keeps its items apart.
        Object attributes = state instanceof List<?> l && l.size() == 2 ? l.get(0) : state;
        if (target instanceof Map<?, ?> && (attributes == null || attributes instanceof Map<?, ?>)) return;
        throw corrupt("BUILD on " + describe(target) + " is not supported: only a dict's attributes may be set");
    }

    private static List<Object> tuple(List<Object> items) {
        return Collections.unmodifiableList(new ArrayList<>(items));
    }

    @SuppressWarnings("unchecked")
    private List<Object> tupleArg(Object args, String opcode) {
        if (!(args instanceof List<?>)) throw corrupt(opcode + " needs an argument tuple, got " + describe(args));
        return (List<Object>) args;
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o, String opcode) {
        if (!(o instanceof ArrayList<?>)) throw corrupt(opcode + " on " + describe(o) + ", not a list");
        return (List<Object>) o;
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object o, String opcode) {
        if (!(o instanceof Map<?, ?>)) throw corrupt(opcode + " on " + describe(o) + ", not a dict");
        return (Map<Object, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private Set<Object> set(Object o) {
        if (!(o instanceof LinkedHashSet<?>)) throw corrupt("ADDITEMS on " + describe(o) + ", not a set");
        return (Set<Object>) o;
    }

    private void putPairs(Map<Object, Object> m, List<Object> pairs) {
        if (pairs.size() % 2 != 0) throw corrupt("a dict needs key/value pairs, got " + pairs.size() + " items");
        for (int i = 0; i < pairs.size(); i += 2) m.put(pairs.get(i), pairs.get(i + 1));
    }

    private Object memoGet(long index) {
        if (!memo.containsKey(index)) throw corrupt("memo slot " + index + " is read before it is written");
        return memo.get(index);
    }

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() {
        int floor = marks.isEmpty() ? 0 : marks.peek();
        if (stack.size() <= floor) throw corrupt("the stack is empty");
        return stack.remove(stack.size() - 1);
    }

    private Object peek() {
        return peekBelow(0);
    }

    private Object peekBelow(int depth) {
        if (stack.size() <= depth) throw corrupt("the stack is empty");
        return stack.get(stack.size() - 1 - depth);
    }

    private List<Object> popN(int n) {
        int floor = marks.isEmpty() ? 0 : marks.peek();
        if (stack.size() - n < floor) throw corrupt("the stack holds fewer than " + n + " values");
        List<Object> top = new ArrayList<>(stack.subList(stack.size() - n, stack.size()));
        stack.subList(stack.size() - n, stack.size()).clear();
        return top;
    }

    private List<Object> popMark() {
        if (marks.isEmpty()) throw corrupt("no MARK to pop to");
        int at = marks.pop();
        List<Object> items = new ArrayList<>(stack.subList(at, stack.size()));
        stack.subList(at, stack.size()).clear();
        return items;
    }

    private int u8() {
        need(1);
        return in.get() & 0xFF;
    }

    private void skip(int n) {
        need(n);
        in.position(in.position() + n);
    }

    private int length(long n) {
        if (n < 0 || n > in.remaining()) throw corrupt("a length of " + n + " bytes runs past the end of the data");
        return (int) n;
    }

    private byte[] bytes(int n) {
        need(n);
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    private void need(int n) {
        if (in.remaining() < n) throw corrupt("it is truncated");
    }

    private String line() {
        int start = in.position();
        while (in.hasRemaining()) {
            if (in.get() == '\n') {
                byte[] b = new byte[in.position() - 1 - start];
                in.get(start, b);
                return utf8(b);
            }
        }
        throw corrupt("a GLOBAL name is not terminated by a newline");
    }

    private String utf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw corrupt("a string is not valid UTF-8");
        }
    }

    /** Python's two's-complement little-endian long (LONG1/LONG4); a Long when it fits. */
    private static Object longFromBytes(byte[] le) {
        if (le.length == 0) return 0L;
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) be[i] = le[le.length - 1 - i];
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private ConfigException unsupported(int op, String what) {
        return corrupt(String.format("opcode 0x%02x%s is not supported; rat4j reads the binary pickle protocols 2 to 5"
                + " that torch.save writes", op, what == null ? "" : " " + what));
    }

    private ConfigException corrupt(String why) {
        return new ConfigException(source + " is not a pickle rat4j can read: " + why + " (at byte " + opcodeAt + ")");
    }

    static String describe(Object o) {
        if (o == null) return "None";
        if (o instanceof String) return "a string";
        if (o instanceof Map<?, ?>) return "a dict";
        if (o instanceof List<?>) return "a list or tuple";
        return o.getClass().getSimpleName().isEmpty() ? "a value" : "a " + o.getClass().getSimpleName();
    }
}
