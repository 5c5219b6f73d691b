package org.rat4j.io.torch;

import org.rat4j.config.ConfigException;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.*;

/**
 * The allow-list of pickle globals a PyTorch state-dict checkpoint needs, with their Java stand-ins:
 * <ul>
 *   <li>{@code torch._utils._rebuild_tensor_v2} (what torch.save writes for every tensor; also {@code _v3}, which
 *       newer torch writes with an untyped storage and a dtype) build a {@link TorchTensor};
 *       {@code _rebuild_parameter} and {@code _rebuild_parameter_with_state} unwrap an {@code nn.Parameter};</li>
 *   <li>the storage classes {@code torch.FloatStorage}, {@code HalfStorage}, {@code BFloat16Storage},
 *       {@code DoubleStorage} (and the integer and bool ones, inert data), {@code torch.storage.UntypedStorage},
 *       and the dtypes {@code torch.float32} ... name element types;</li>
 *   <li>{@code collections.OrderedDict} (every {@code state_dict()}) and {@code easydict.EasyDict} (the
 *       {@code config} entry of the reference trainers' checkpoints, which their own loaders allow-list with
 *       {@code torch.serialization.add_safe_globals([EasyDict])}) become plain maps;</li>
 *   <li>{@code _codecs.encode}, which protocol 2 uses to write a {@code bytes} value, returns the bytes.</li>
 * </ul>
 * Everything else, {@code os.system}, {@code posix.system}, {@code builtins.eval}, {@code subprocess.Popen} among
 * them, is refused. This mirrors the default allow-list of {@code torch.load(weights_only=True)}
 * ({@code torch/_weights_only_unpickler.py}) without its sparse, quantized and subclass forms, which no RAT
 * checkpoint holds.
 */
final class TorchGlobals implements RestrictedUnpickler.Globals {
    /** A storage class global: the element type of the storages it tags ({@code UINT8} and untyped for raw bytes). */
    record StorageClass(TorchDtype dtype, boolean untyped) {
    }

    private final String source;
    private final Map<String, Object> allowed = new LinkedHashMap<>();

    TorchGlobals(String source) {
        this.source = source;
        allowed.put("torch._utils._rebuild_tensor_v2", (RestrictedUnpickler.Call) args -> rebuild(args, false));
        allowed.put("torch._utils._rebuild_tensor_v3", (RestrictedUnpickler.Call) args -> rebuild(args, true));
        allowed.put("torch._utils._rebuild_parameter", (RestrictedUnpickler.Call) this::parameterData);
        allowed.put("torch._utils._rebuild_parameter_with_state", (RestrictedUnpickler.Call) this::parameterData);
        allowed.put("collections.OrderedDict", (RestrictedUnpickler.Call) this::orderedDict);
        allowed.put("easydict.EasyDict", (RestrictedUnpickler.Call) this::orderedDict);
        allowed.put("_codecs.encode", (RestrictedUnpickler.Call) this::encode);
        for (TorchDtype t : TorchDtype.values()) {
            allowed.put("torch." + t.storageClass(), new StorageClass(t, false));
            allowed.put("torch." + t.dtypeName(), t);
        }
        allowed.put("torch.UntypedStorage", new StorageClass(TorchDtype.UINT8, true));
        allowed.put("torch.storage.UntypedStorage", new StorageClass(TorchDtype.UINT8, true));
    }

    @Override
    public Object resolve(String module, String name) {
        return allowed.get(module + "." + name);
    }

    @Override
    public String refusalAdvice() {
        return "rat4j accepts only what a tensor state dict needs (tensor rebuilds, f32/f16/bf16/f64 storages,"
                + " OrderedDict, plain containers, the reference trainers' EasyDict config), so that loading a checkpoint"
                + " never runs code. Do not torch.load this file unless you trust it; if you do, save its state dict as"
                + " safetensors in Python and use that (docs/models.md, 'Importing the papers' checkpoints').";
    }

    private Object rebuild(List<Object> args, boolean v3) {
        // v2: (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
        // v3: the same, then dtype[, metadata]: the storage is untyped and the dtype says how to read it
        if (args.size() < (v3 ? 7 : 6)) throw corrupt("a tensor rebuild has " + args.size() + " arguments");
        if (!(args.get(0) instanceof TorchStorage storage)) throw corrupt("a tensor rebuild has no storage");
        TorchDtype dtype = storage.dtype();
        if (v3) {
            if (!(args.get(6) instanceof TorchDtype d)) throw corrupt("_rebuild_tensor_v3 has no dtype");
            dtype = d;
        }
        long offset = integer(args.get(1), "storage offset");
        long[] shape = integers(args.get(2), "size");
        long[] stride = integers(args.get(3), "stride");
        if (shape.length != stride.length) throw corrupt("a tensor has " + shape.length + " sizes but " + stride.length + " strides");
        TorchTensor t = new TorchTensor(storage, dtype, offset, shape, stride);
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0 || stride[i] < 0) throw corrupt("a tensor has a negative size or stride");
        }
        if (storage.bytes() % dtype.width() != 0) throw corrupt("storage " + storage.key() + " is not a whole number of " + dtype.dtypeName());
        long elements = storage.bytes() / dtype.width();
        boolean inside;
        try {
            inside = offset >= 0 && (t.numel() == 0 || Math.addExact(offset, t.span()) <= elements);
        } catch (ArithmeticException e) {
            inside = false;                                     // sizes whose product overflows 64 bits
        }
        if (!inside) {
            throw corrupt("a tensor " + Arrays.toString(shape) + " at offset " + offset + " with strides " + Arrays.toString(stride)
                    + " reaches past the " + elements + " elements of storage " + storage.key());
        }
        return t;
    }

    private Object parameterData(List<Object> args) {
        if (args.isEmpty() || !(args.get(0) instanceof TorchTensor t)) throw corrupt("a parameter rebuild has no tensor");
        return t;
    }

    private Object orderedDict(List<Object> args) {
        Map<Object, Object> m = new LinkedHashMap<>();
        if (args.isEmpty()) return m;
        Object items = args.get(0);
        if (items instanceof Map<?, ?> given) {
            m.putAll(given);
            return m;
        }
        if (items instanceof List<?> pairs) {
            for (Object p : pairs) {
                if (!(p instanceof List<?> kv) || kv.size() != 2) throw corrupt("an OrderedDict item is not a (key, value) pair");
                m.put(kv.get(0), kv.get(1));
            }
            return m;
        }
        throw corrupt("an OrderedDict is built from " + RestrictedUnpickler.describe(items));
    }

    private Object encode(List<Object> args) {
        // protocol 2 writes bytes b as _codecs.encode(b.decode('latin1'), 'latin1')
        if (args.size() != 2 || !(args.get(0) instanceof String text) || !(args.get(1) instanceof String enc)
                || !(enc.equals("latin1") || enc.equals("latin-1"))) {
            throw corrupt("_codecs.encode is allowed only as protocol 2 writes bytes: (text, 'latin1')");
        }
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private long integer(Object o, String what) {
        if (o instanceof Long l) return l;
        if (o instanceof BigInteger) throw corrupt("a tensor's " + what + " does not fit 64 bits");
        throw corrupt("a tensor's " + what + " is " + RestrictedUnpickler.describe(o) + ", not an integer");
    }

    private long[] integers(Object o, String what) {
        if (!(o instanceof List<?> l)) throw corrupt("a tensor's " + what + " is " + RestrictedUnpickler.describe(o) + ", not a tuple");
        long[] out = new long[l.size()];
        for (int i = 0; i < out.length; i++) out[i] = integer(l.get(i), what);
        return out;
    }

    private ConfigException corrupt(String why) {
        return new ConfigException(source + " is not a valid PyTorch checkpoint: " + why);
    }
}
