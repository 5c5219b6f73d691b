package org.rat4j.train;

import org.nd4j.linalg.api.buffer.DataType;
import org.rat4j.config.ConfigException;
import org.rat4j.model.MemoryBudget;
import org.rat4j.model.ModelConfig;

import java.util.Locale;

/**
 * Refuses a model that cannot fit before any of it is allocated. ND4J keeps arrays outside the Java heap; JavaCPP lets
 * the process grow to {@code maxPhysicalBytes} (by default 4 × {@code -Xmx}: 2 GiB at {@code -Xmx512m}, 32 GiB at
 * {@code -Xmx8g}, measured) and fails the next allocation beyond it, and the machine has only so much available. Its
 * other limit, {@code maxBytes}, does not count ND4J's arrays (a 1.5 GB array at {@code -Xmx512m} left
 * {@code Pointer.totalBytes()} at 104 bytes). Asking for more than either ended in a SIGSEGV inside ND4J's allocation
 * ({@code vocab_size: 100000000}: exit 134 and an {@code hs_err_pid*.log} in the working directory). The sizes counted
 * here are a lower bound (parameters and optimizer state, no activations), so nothing that would fit is refused.
 */
public final class MemoryCheck {
    private static final double GIB = 1024.0 * 1024 * 1024;

    /** What a check needs room for: copies of the parameters, in words. */
    public enum Use {
        /** A model being created or loaded: its weights. */
        MODEL(1, "holding it", "its weights"),
        /** Training: weights, gradients, AdamW's two moments and its scratch array. */
        TRAINING(5, "training it", "weights, gradients, AdamW's two moments and its scratch array"),
        /** Training with gradient accumulation: the above plus the accumulated gradients. */
        TRAINING_ACCUMULATED(6, "training it", "weights, gradients, accumulated gradients, AdamW's two moments and its scratch array");

        final int copies;
        final String activity;
        final String what;

        Use(int copies, String activity, String what) {
            this.copies = copies;
            this.activity = activity;
            this.what = what;
        }

        /** Training with {@code accumulation} micro-batches per step. */
        public static Use training(int accumulation) {
            return accumulation > 1 ? TRAINING_ACCUMULATED : TRAINING;
        }
    }

    private MemoryCheck() {
    }

    /** Bytes ND4J may still allocate now ({@link MemoryBudget#nativeAvailable()}: the machine, a container, JavaCPP). */
    public static long availableBytes() {
        return MemoryBudget.nativeAvailable().bytes();
    }

    /** {@link #require(ModelConfig, DataType, Use, long)} against {@link #availableBytes()}. */
    public static void require(ModelConfig config, DataType type, Use use) {
        require(config, type, use, availableBytes());
    }

    /**
     * Fails with the size in GiB and the setting that controls it when {@code use} of a model of {@code config} needs
     * more than {@code availableBytes}.
     */
    public static void require(ModelConfig config, DataType type, Use use, long availableBytes) {
        long params = config.parameterCount();
        double paramGib = (double) params * type.width() / GIB;
        double needGib = paramGib * use.copies;
        if (needGib * GIB <= availableBytes) return;
        long embedding = (long) config.vocabSize() * config.dModel() * (config.tieEmbedding() ? 1 : 2);
        String setting = embedding * 2 >= params
                ? String.format(Locale.ROOT, "lower model.vocab_size (%,d; the embedding%s is %.1f GiB of it) or model.d_model",
                config.vocabSize(), config.tieEmbedding() ? "" : " and the head", (double) embedding * type.width() / GIB)
                : "lower model.d_model or model.n_layers";
        throw new ConfigException(String.format(Locale.ROOT, "the model has %,d parameters, %.1f GiB in %s; %s needs at least "
                        + "%.1f GiB (%s) but only %.1f GiB can be allocated (the lesser of the memory the machine has available "
                        + "and JavaCPP's limit for the process, 4 × -Xmx unless -Dorg.bytedeco.javacpp.maxPhysicalBytes sets it); %s", params, paramGib, type.name().toLowerCase(Locale.ROOT), use.activity, needGib, use.what,
                availableBytes / GIB, setting));
    }
}
