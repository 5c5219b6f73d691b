package org.rat4j.block;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Deterministic parameter initialisation (spec §2.7): every tensor draws from its own stream, seeded by the model
 * seed and the tensor's full name, so the values do not depend on backend, tensor order or thread count.
 */
public final class Initializer {
    private final long seed;
    private final String prefix;

    public Initializer(long seed) {
        this(seed, "");
    }

    private Initializer(long seed, String prefix) {
        this.seed = seed;
        this.prefix = prefix;
    }

    /** The same seed, for tensors named under {@code prefix} (e.g. {@code backbone.layers.3.seq_layer.}). */
    public Initializer scoped(String prefix) {
        return new Initializer(seed, this.prefix + prefix);
    }

    private SplittableRandom stream(String name) {
        long h = seed * 0x9E3779B97F4A7C15L;
        for (byte b : (prefix + name).getBytes(StandardCharsets.UTF_8)) h = (h ^ b) * 0x100000001B3L;
        return new SplittableRandom(h);
    }

    /** N(0, std²) into {@code target}. */
    public void normal(String name, INDArray target, double std) {
        SplittableRandom r = stream(name);
        double[] v = new double[(int) target.length()];
        for (int i = 0; i < v.length; i++) v[i] = r.nextGaussian() * std;
        assign(target, v);
    }

    /** {@code log(U(1, upper))} elementwise, the forget-gate bias init of RAT (upper = L-1) and the RNN (upper = T-1). */
    public void logUniform(String name, INDArray target, double upper) {
        SplittableRandom r = stream(name);
        double[] v = new double[(int) target.length()];
        for (int i = 0; i < v.length; i++) v[i] = Math.log(1.0 + r.nextDouble() * (upper - 1.0));
        assign(target, v);
    }

    private static void assign(INDArray target, double[] values) {
        target.assign(Nd4j.createFromArray(values).reshape(target.shape()).castTo(target.dataType()));
    }
}
