package org.rat4j.io.torch;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rat4j.config.ConfigException;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * A PyTorch checkpoint in the zip format {@code torch.save} writes since 1.6: {@code <archive>/data.pkl} (the pickled
 * object, protocol 2), {@code <archive>/data/<key>} (one raw record per storage), {@code <archive>/byteorder}
 * ({@code little} or {@code big}; absent before torch 2.1, meaning little-endian) and {@code <archive>/version}.
 * {@code <archive>} is the file's stem or {@code archive}.
 *
 * <p>Opening reads only the pickle, through {@link RestrictedUnpickler} with the allow-list of {@link TorchGlobals}:
 * tensors come back as {@link TorchTensor} references, and {@link #read} converts one to float32 when asked, so a
 * checkpoint's optimizer state is never read. A file whose pickle names any other global is refused before any
 * of its data is used.
 */
public final class TorchCheckpoint implements Closeable {
    private static final long MAX_PICKLE_BYTES = 1L << 30;
    private static final int CHUNK_ELEMENTS = 1 << 20;

    private final Path file;
    private final ZipFile zip;
    private final String archive;
    private final ByteOrder order;
    private final Map<String, TorchStorage> storages = new HashMap<>();
    private final Object root;

    private TorchCheckpoint(Path file, ZipFile zip, String archive) throws IOException {
        this.file = file;
        this.zip = zip;
        this.archive = archive;
        this.order = byteOrder();
        byte[] pickle;
        try (InputStream in = zip.getInputStream(zip.getEntry(archive + "data.pkl"))) {
            pickle = in.readNBytes((int) MAX_PICKLE_BYTES + 1);  // bounded even if the zip's sizes lie
        }
        if (pickle.length > MAX_PICKLE_BYTES) throw corrupt("its data.pkl holds more than " + MAX_PICKLE_BYTES + " bytes, more than a state dict needs");
        this.root = RestrictedUnpickler.load(pickle, file.toString(), new TorchGlobals(file.toString()), this::storage);
    }

    /** Opens and unpickles a checkpoint; a file that is not a torch.save zip, or is refused, is a clear error. */
    public static TorchCheckpoint open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new ConfigException("checkpoint not found: " + file);
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(4);
        }
        if (head.length < 4 || head[0] != 'P' || head[1] != 'K' || head[2] != 3 || head[3] != 4) {
            if (head.length > 0 && (head[0] & 0xFF) == 0x80) {
                throw new ConfigException(file + " is in torch.save's legacy format (torch < 1.6, or"
                        + " _use_new_zipfile_serialization=False); rat4j reads the zip format. Re-save it with a current"
                        + " torch (torch.save(torch.load(f, weights_only=True), 'new.pth')) or as safetensors");
            }
            throw new ConfigException(file + " is not a PyTorch checkpoint: torch.save writes a zip file, and this one"
                    + " does not start with a zip header");
        }
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new ConfigException(file + " is a damaged zip file (" + e.getMessage() + "); download or copy it again");
        }
        try {
            return new TorchCheckpoint(file, zip, archiveOf(file, zip));
        } catch (IOException | RuntimeException e) {
            zip.close();
            throw e;
        }
    }

    /** The directory prefix of the records, e.g. {@code archive/}: the one directory that holds a data.pkl. */
    private static String archiveOf(Path file, ZipFile zip) {
        List<String> found = new ArrayList<>();
        boolean torchScript = false;
        for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
            String name = en.nextElement().getName();
            int slash = name.indexOf('/');
            if (slash > 0 && name.substring(slash + 1).equals("data.pkl")) found.add(name.substring(0, slash + 1));
            if (slash > 0 && (name.substring(slash + 1).equals("constants.pkl") || name.substring(slash + 1).startsWith("code/"))) {
                torchScript = true;
            }
        }
        if (torchScript) {
            throw new ConfigException(file + " is a TorchScript archive (torch.jit.save), not a state dict; save"
                    + " model.state_dict() with torch.save instead");
        }
        if (found.size() != 1) {
            throw new ConfigException(file + " is a zip file but not a torch.save checkpoint: it holds "
                    + (found.isEmpty() ? "no <archive>/data.pkl" : "several data.pkl records " + found));
        }
        return found.get(0);
    }

    private ByteOrder byteOrder() throws IOException {
        ZipEntry e = zip.getEntry(archive + "byteorder");
        if (e == null) return ByteOrder.LITTLE_ENDIAN;        // torch < 2.1 wrote none; its files are little-endian
        String text;
        try (InputStream in = zip.getInputStream(e)) {
            text = new String(in.readNBytes(16), StandardCharsets.US_ASCII).trim();
        }
        return switch (text) {
            case "little" -> ByteOrder.LITTLE_ENDIAN;
            case "big" -> ByteOrder.BIG_ENDIAN;
            default -> throw corrupt("its byteorder record says '" + text + "', not 'little' or 'big'");
        };
    }

    /** Persistent load: torch.save's id of a storage is ('storage', storage class, key, location, numel). */
    private Object storage(Object pid) {
        if (!(pid instanceof List<?> t) || t.size() != 5 || !"storage".equals(t.get(0))) {
            throw corrupt("a persistent id is " + RestrictedUnpickler.describe(pid) + ", not ('storage', type, key, location, numel)");
        }
        if (!(t.get(1) instanceof TorchGlobals.StorageClass type)) throw corrupt("a storage has no storage class");
        if (!(t.get(2) instanceof String key)) throw corrupt("a storage key is not a string");
        if (!(t.get(4) instanceof Long numel) || numel < 0) throw corrupt("storage " + key + " has no element count");
        long bytes = numel * type.dtype().width();
        ZipEntry e = zip.getEntry(archive + "data/" + key);
        if (e == null) throw corrupt("its pickle refers to storage " + key + " but the record data/" + key + " is missing");
        if (e.getSize() >= 0 && e.getSize() != bytes) {
            throw corrupt("storage " + key + " holds " + e.getSize() + " bytes but its pickle promises " + bytes
                    + " (" + numel + " × " + type.dtype().dtypeName() + ")");
        }
        TorchStorage s = new TorchStorage(key, type.dtype(), bytes);
        TorchStorage known = storages.putIfAbsent(key, s);
        if (known != null && !known.equals(s)) throw corrupt("storage " + key + " is read both as " + known.dtype() + " and " + s.dtype());
        return known != null ? known : s;
    }

    public Path file() {
        return file;
    }

    /** The unpickled object: maps, lists, numbers, strings and {@link TorchTensor}s. */
    public Object root() {
        return root;
    }

    /** Reads a floating-point tensor as a float32 array of its shape (bf16, f16 and f64 converted). */
    public INDArray read(TorchTensor t) throws IOException {
        float[] v = readFloats(t);
        return t.shape().length == 0 ? Nd4j.scalar(v[0]) : Nd4j.createFromArray(v).reshape(t.shape());
    }

    /** The tensor's elements in C order as floats, honouring its storage offset and strides. */
    public float[] readFloats(TorchTensor t) throws IOException {
        if (!t.dtype().floating()) {
            throw new ConfigException(file + ": a tensor " + Arrays.toString(t.shape()) + " of dtype " + t.dtype().dtypeName()
                    + " cannot be read as weights; rat4j imports float32, float16, bfloat16 and float64 tensors");
        }
        if (t.numel() > Integer.MAX_VALUE - 8) throw new ConfigException(file + ": a tensor of " + t.numel() + " elements is too large to import");
        float[] out = new float[(int) t.numel()];
        int width = t.dtype().width();
        try (InputStream in = zip.getInputStream(zip.getEntry(archive + "data/" + t.storage().key()))) {
            in.skipNBytes(t.offset() * width);
            if (t.isContiguous()) {
                for (int start = 0; start < out.length; start += CHUNK_ELEMENTS) {
                    int n = Math.min(CHUNK_ELEMENTS, out.length - start);
                    ByteBuffer b = ByteBuffer.wrap(readFully(in, n * width, t)).order(order);
                    if (t.dtype() == TorchDtype.FLOAT32) {
                        b.asFloatBuffer().get(out, start, n);
                    } else {
                        for (int i = 0; i < n; i++) out[start + i] = t.dtype().read(b, i);
                    }
                }
            } else {
                gather(t, ByteBuffer.wrap(readFully(in, spanBytes(t), t)).order(order), out);
            }
        } catch (ZipException e) {
            throw new ConfigException(file + ": storage " + t.storage().key() + " is damaged (" + e.getMessage() + ")", e);
        }
        return out;
    }

    private int spanBytes(TorchTensor t) {
        long bytes = t.span() * t.dtype().width();
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new ConfigException(file + ": a non-contiguous tensor " + Arrays.toString(t.shape()) + " spans " + bytes
                    + " bytes, too many to gather; save it with .contiguous() first");
        }
        return (int) bytes;
    }

    /** Walks the view's indices in C order (an odometer over the shape), reading storage element Σ idx·stride. */
    private static void gather(TorchTensor t, ByteBuffer b, float[] out) {
        long[] shape = t.shape();
        long[] stride = t.stride();
        long[] idx = new long[shape.length];
        long pos = 0;
        for (int i = 0; i < out.length; i++) {
            out[i] = t.dtype().read(b, (int) pos);
            for (int d = shape.length - 1; d >= 0; d--) {
                idx[d]++;
                pos += stride[d];
                if (idx[d] < shape[d]) break;
                pos -= stride[d] * shape[d];
                idx[d] = 0;
            }
        }
    }

    private byte[] readFully(InputStream in, int n, TorchTensor t) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length != n) throw corrupt("storage " + t.storage().key() + " ends early");
        return b;
    }

    private ConfigException corrupt(String why) {
        return new ConfigException(file + " is not a valid PyTorch checkpoint: " + why);
    }

    @Override
    public void close() throws IOException {
        zip.close();
    }
}
