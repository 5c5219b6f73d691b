package org.rat4j.block;

import java.util.Map;

/**
 * The typed hyper-parameters of one sequence mixer (a {@code seq_cell} of a config), answering every question the
 * rest of rat4j asks about a mixer: which block it builds, what sequence lengths it takes, how it is written to
 * {@code config.json} and described in logs. Each mixer package holds its own record ({@code rat.RatConfig},
 * {@code attention.AttentionConfig}, {@code rnn.RnnConfig}, {@code ratplus.RatPlusConfig}); {@code model.Mixers}
 * reads them by their {@link #type()}.
 *
 * <p>Not a sealed interface: Java permits a sealed type's subclasses in other packages only inside a named module,
 * and the core cannot be one (ND4J's {@code nd4j-native-api} jar derives the automatic module name
 * {@code nd4j.native.api}, whose {@code native} is a keyword). Every question is an abstract method instead, so a
 * new mixer that misses one does not compile.
 */
public interface MixerConfig {

    /** The name under {@code type:} in configs and {@code config.json}, e.g. {@code rat}. */
    String type();

    /**
     * The block of one layer.
     *
     * @param seqLen      the model's training context length T (the horizon of the RNN's chrono gate init)
     * @param indexInCell the layer's index among the layers that use this config (selects per-layer settings)
     */
    MixerBlock block(BlockDims dims, int seqLen, int indexInCell);

    /** Every sequence length must be a multiple of this (RAT: its chunk length L). */
    int sequenceMultiple();

    /** One line for logs, e.g. {@code RAT(L=16)}. */
    String describe();

    /** The mapping written to {@code config.json} and YAML, which {@code model.Mixers.read} reads back. */
    Map<String, Object> toMap();

    /**
     * Checks this config against the model that uses it; throws {@code ConfigException} naming the key to change.
     *
     * @param numHeads H
     * @param layers   how many layers use this config
     */
    void validate(int numHeads, int layers);
}
