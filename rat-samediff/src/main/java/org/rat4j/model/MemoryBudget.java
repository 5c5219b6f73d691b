package org.rat4j.model;

import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.rat4j.block.MixerBlock;
import org.rat4j.config.ConfigException;
import org.rat4j.platform.ProcFiles;
import org.rat4j.kernels.KeyValueSlots;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Memory is checked before it is asked for. ND4J allocates its arrays in native memory and, when the machine cannot
 * give a buffer, writes through the null pointer: the JVM dies of SIGSEGV and leaves an {@code hs_err} file
 * ({@code vocab_size: 100000000} did this in {@code rat4j init}: 25.6 GB for the embedding). The decode caches are
 * Java arrays, bounded by the heap ({@code -Xmx}). So each large request is first compared with what is available and
 * refused with its size in GiB, what limits it and the setting that controls it, as a {@link ConfigException}.
 *
 * <p>Native memory available is the least of the machine's {@code MemAvailable}, the headroom of the cgroup's
 * {@code memory.max} (containers) and the headroom of JavaCPP's {@code maxphysicalbytes} (beyond which ND4J fails
 * with "Physical memory usage is too high"). Heap available is {@code -Xmx} minus what the heap holds (after one
 * collection, when the first look says no). Where none is known (not Linux), nothing is refused.
 */
public final class MemoryBudget {
    /** What a request may take, and the limit that decided it (for the message). */
    public record Available(long bytes, String limit) {
    }

    private static final Path MEMINFO = Path.of("/proc/meminfo");
    private static final Path CGROUP_MAX = Path.of("/sys/fs/cgroup/memory.max");
    private static final Path CGROUP_CURRENT = Path.of("/sys/fs/cgroup/memory.current");

    /**
     * Arrays of {@code [B·T, D + ffn]} numbers a forward pass holds at its peak: a base, plus a little per layer
     * (SameDiff frees a layer's intermediates once they are used). Fitted to the peak resident set of {@code rat4j
     * score} at D = 256, ffn = 1024, H = 4, V = 512, T = 2048 and 4096, 4 and 8 layers of attention and of RAT
     * (docs/weights.md, "Memory checks"): the formula is 0–38% above every measurement.
     */
    static final double ACTIVATIONS_BASE = 18;
    static final double ACTIVATIONS_PER_LAYER = 1.5;
    /** Score matrices {@code [B, H, T, keys]} alive at once in the widest layer: scores, their softmax, and one more. */
    static final double SCORE_COPIES = 3;
    /**
     * The attention mask, {@code [T, keys]} entries, in numbers of {@code type}: built as a Java {@code double[][]},
     * then double and float arrays (the count the benchmarks' memory model uses).
     */
    static final double MASK_COPIES = 5;

    private MemoryBudget() {
    }

    // ---------------------------------------------------------------- sizes

    /** The parameters of a model in {@code type}: what {@code init} and loading allocate. */
    public static long parameterBytes(ModelConfig config, DataType type) {
        double numbers = 0;
        for (long[] shape : RatLanguageModel.parameterShapes(config).values()) {
            double n = 1;
            for (long dim : shape) n *= dim;
            numbers += n;
        }
        return saturate(numbers * type.width());
    }

    /**
     * The Java heap the decode caches of {@code batch} sequences of up to {@code capacity} tokens take at most (every
     * slot written; spec §4.1): per layer the key/value slots its mixer keeps at the last position
     * ({@link MixerBlock#keysAttended}, in whole pages: {@link KeyValueSlots#heapBytesPerSequence}) and two running
     * states of D float64 numbers.
     */
    public static long decodeCacheBytes(ModelConfig config, DataType type, int batch, int capacity) {
        RatLanguageModel shape = RatLanguageModel.shapeOnly(config, type);
        int d = config.headDim();
        long perSequence = 0;
        for (RatLanguageModel.DecoderLayer layer : shape.layers()) {
            long keys = layer.mixer().keysAttended(Math.max(0, capacity - 1L));
            if (keys > 0) perSequence += KeyValueSlots.heapBytesPerSequence(config.numHeads(), keys, d, type);
            perSequence += 2L * config.dModel() * Double.BYTES;
        }
        return saturatingMultiply(perSequence, batch);
    }

    /**
     * Native memory of the backbone's forward pass over {@code batch} sequences of {@code seqLen} tokens, roughly
     * ({@link #ACTIVATIONS_BASE}): the activations, and the score matrices and mask of the widest layer
     * ({@link MixerBlock#keysComputed}). The head is not included ({@link #logitsBytes}).
     */
    public static long forwardBytes(ModelConfig config, DataType type, int batch, int seqLen) {
        RatLanguageModel shape = RatLanguageModel.shapeOnly(config, type);
        double tokens = (double) batch * seqLen;
        double widest = 0;
        for (RatLanguageModel.DecoderLayer layer : shape.layers()) widest = Math.max(widest, layer.mixer().keysComputed(seqLen));
        double numbers = (ACTIVATIONS_BASE + ACTIVATIONS_PER_LAYER * config.nLayers()) * tokens * (config.dModel() + config.ffnDim())
                + SCORE_COPIES * tokens * config.numHeads() * widest + MASK_COPIES * seqLen * widest;
        return saturate(numbers * type.width());
    }

    /**
     * The logits {@code [B·T, V]} of every position, counted twice: {@code rat4j score}'s peak resident set exceeded
     * its activations by 1.5 to 2 times the logits' size (memory freed by the backbone is not all reused for them),
     * although they are made once and written out a block at a time ({@code io.Npy}).
     */
    public static long logitsBytes(ModelConfig config, DataType type, int batch, int seqLen) {
        return saturate(2.0 * batch * seqLen * config.vocabSize() * type.width());
    }

    // ---------------------------------------------------------------- what is available

    /** Native memory this process may still take; {@code Long.MAX_VALUE} where nothing is known. */
    public static Available nativeAvailable() {
        Available a = new Available(Long.MAX_VALUE, "unknown");
        long free = ProcFiles.bytes(MEMINFO, "MemAvailable:");
        if (free >= 0) a = new Available(free, "the machine's available memory (MemAvailable)");
        long cgroup = cgroupHeadroom();
        if (cgroup >= 0 && cgroup < a.bytes()) a = new Available(cgroup, "the container's memory limit (cgroup memory.max)");
        long maxPhysical = Pointer.maxPhysicalBytes();
        if (maxPhysical > 0) {
            long headroom = Math.max(0, maxPhysical - Pointer.physicalBytes());
            if (headroom < a.bytes()) {
                a = new Available(headroom, "JavaCPP's limit of " + gib(maxPhysical) + " for this process (-Dorg.bytedeco.javacpp.maxphysicalbytes)");
            }
        }
        return a;
    }

    /** Java heap this process may still take: the maximum heap minus what it holds now. */
    public static Available heapAvailable() {
        Runtime rt = Runtime.getRuntime();
        return new Available(rt.maxMemory() - (rt.totalMemory() - rt.freeMemory()),
                "the JVM heap (at most " + gib(rt.maxMemory()) + ": -Xmx, set through RAT4J_JAVA_OPTS for ./rat4j)");
    }

    private static long cgroupHeadroom() {
        try {
            if (!Files.isRegularFile(CGROUP_MAX) || !Files.isRegularFile(CGROUP_CURRENT)) return -1;
            String max = Files.readString(CGROUP_MAX).trim();
            if (max.equals("max")) return -1;
            return Math.max(0, Long.parseLong(max) - Long.parseLong(Files.readString(CGROUP_CURRENT).trim()));
        } catch (java.io.IOException | RuntimeException e) {
            return -1; // unreadable: no cgroup limit is known
        }
    }

    // ---------------------------------------------------------------- checks

    /**
     * Refuses a native allocation of {@code bytes} that cannot fit.
     *
     * @param what what needs the memory, e.g. {@code "a model of 6,400,106,944 parameters (float32)"}
     * @param fix  the settings that shrink it, e.g. {@code "make the model smaller (model.vocab_size, d_model, n_layers)"}
     */
    public static void requireNative(String what, long bytes, String fix) {
        require(what, bytes, fix, MemoryBudget::nativeAvailable);
    }

    /** Refuses a Java heap allocation of {@code bytes} that cannot fit (see {@link #requireNative}). */
    public static void requireHeap(String what, long bytes, String fix) {
        require(what, bytes, fix, MemoryBudget::heapAvailable);
    }

    private static void require(String what, long bytes, String fix, java.util.function.Supplier<Available> available) {
        if (bytes <= available.get().bytes()) return;
        // Unreachable arrays (ND4J's wait for a collection to be freed) may be all that is in the way.
        System.gc();
        Available a = available.get();
        if (bytes <= a.bytes()) return;
        throw new ConfigException(what + " needs " + gib(bytes) + " of memory but " + a.limit() + " has " + gib(a.bytes())
                + " free; " + fix);
    }

    /** A number type as messages name it: {@code float32}, {@code float64}, else ND4J's name in lower case. */
    public static String typeName(DataType type) {
        return switch (type) {
            case FLOAT -> "float32";
            case DOUBLE -> "float64";
            default -> type.name().toLowerCase(Locale.ROOT);
        };
    }

    /** Bytes as GiB with two decimals, e.g. {@code 23.84 GiB}. */
    public static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30));
    }

    private static long saturatingMultiply(long a, long b) {
        return saturate((double) a * b);
    }

    private static long saturate(double bytes) {
        return bytes >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) Math.ceil(bytes);
    }
}
