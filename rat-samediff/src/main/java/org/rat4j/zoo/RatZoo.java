package org.rat4j.zoo;

import org.rat4j.config.ConfigException;
import org.rat4j.config.ConfigReader;
import org.rat4j.model.ModelConfig;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The architectures of rat4j's DL4J model zoo: the model configs rat4j ships ({@code configs/model/*.yaml}, packed
 * into the jar under {@value #RESOURCES}), one constant per file. The constant {@code TINY_RAT} is the file
 * {@code tiny-rat.yaml}; {@link #id()} gives that name back. {@link #model()} is the {@link RatZooModel} DL4J users
 * know: {@code init()} for an untrained {@code ComputationGraph}, {@code initPretrained()} for weights from a URL.
 *
 * <p>DL4J's own zoo has one class per network because each network is different code; here every architecture is
 * the same {@link org.rat4j.dl4j.LanguageModelLayer} with another config, so one {@link RatZooModel} class serves
 * them all and this enum names the configs.
 */
public enum RatZoo {
    // The tiny models of the CPU runs (README).
    TINY_RAT, TINY_ATTENTION, TINY_SWA, TINY_RNN, TINY_RAT_SWA, TINY_ATTENTION_SWA, TINY_RATPLUS, TINY_GATED_ATTENTION,
    // The RAT paper's 1.3B ("xl") models.
    RAT_XL, ATTENTION_XL, RNN_XL, RAT_SWA_INTERLEAVE_XL, ATTENTION_SWA_INTERLEAVE_XL,
    // RAT+ and its gated-attention baselines.
    RATPLUS_1B, RATPLUS_3B, RATPLUS_7B, ATTENTION_1B, ATTENTION_7B;

    /** Where the configs lie on the class path. */
    public static final String RESOURCES = "org/rat4j/zoo/configs/";
    /** The config key {@link #matching} does not compare. */
    static final String SEQ_LEN = "seq_len";

    private volatile ModelConfig config;
    private volatile String description;

    /** The architecture's name, its config file's name without {@code .yaml}: {@code tiny-rat}, {@code ratplus-1b}. */
    public String id() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** The model config of {@code configs/model/<id>.yaml}. */
    public ModelConfig config() {
        if (config == null) {
            try (BufferedReader in = reader()) {
                config = ModelConfig.fromTree(ModelConfig.loadYaml(in, resource()), resource());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + resource(), e);
            }
        }
        return config;
    }

    /** The config file's first comment line, e.g. {@code RAT(L=16), 1.3B (spec §5.1: 1,298,810,880 parameters)}. */
    public String description() {
        if (description == null) {
            try (BufferedReader in = reader()) {
                String first = in.readLine();
                description = first != null && first.startsWith("#") ? first.substring(1).strip() : "";
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + resource(), e);
            }
        }
        return description;
    }

    /** A zoo model of this architecture named {@link #id()}, with rat4j's defaults (seed 1005, float32, no updater). */
    public RatZooModel model() {
        return RatZooModel.of(id(), config());
    }

    /** The architecture named {@code id} ({@code tiny-rat}, {@code TINY_RAT}); an unknown name is an error naming the nearest. */
    public static RatZoo of(String id) {
        for (RatZoo z : values()) {
            if (z.id().equals(id) || z.name().equals(id)) return z;
        }
        String near = ConfigReader.nearest(id, Arrays.stream(values()).map(RatZoo::id).toList());
        throw new ConfigException("no zoo model '" + id + "'" + (near == null ? "" : "; did you mean '" + near + "'?")
                + " (the zoo: " + String.join(", ", Arrays.stream(values()).map(RatZoo::id).toList()) + ")");
    }

    /**
     * The architecture a config is, if it is one of the zoo's. The training context length ({@code seq_len}) is not
     * compared: it sets how long the sequences of training were (the README's tiny RAT trains on 128 of the
     * config's 256 tokens) but no weight's shape or meaning.
     */
    public static Optional<RatZoo> matching(ModelConfig c) {
        for (RatZoo z : values()) {
            if (sameArchitecture(z.config(), c)) return Optional.of(z);
        }
        return Optional.empty();
    }

    /** Whether two configs describe the same network, {@code seq_len} aside (see {@link #matching}). */
    static boolean sameArchitecture(ModelConfig a, ModelConfig b) {
        return architecture(a).equals(architecture(b));
    }

    /** The config tree without {@code seq_len}. */
    static Map<String, Object> architecture(ModelConfig c) {
        Map<String, Object> m = c.toMap();
        m.remove(SEQ_LEN);
        return m;
    }

    private String resource() {
        return RESOURCES + id() + ".yaml";
    }

    private BufferedReader reader() {
        InputStream in = RatZoo.class.getClassLoader().getResourceAsStream(resource());
        if (in == null) throw new IllegalStateException(resource() + " is missing from the class path: the rat4j jar is incomplete");
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }
}
