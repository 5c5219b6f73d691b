package org.rat4j.model;

import org.rat4j.attention.AttentionConfig;
import org.rat4j.block.MixerConfig;
import org.rat4j.config.ConfigException;
import org.rat4j.config.ConfigReader;
import org.rat4j.rat.RatConfig;
import org.rat4j.ratplus.RatPlusConfig;
import org.rat4j.rnn.RnnConfig;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The mixers a config can name, by their {@code type:}: each built-in mixer package registers its config's reader
 * here, and so can a user's own mixer ({@link #register}), as a Hugging Face user registers a model class.
 * Adding a mixer to rat4j is its package plus one line below.
 */
public final class Mixers {
    private static final Map<String, Function<ConfigReader, ? extends MixerConfig>> READERS = new LinkedHashMap<>();

    static {
        register(RatConfig.TYPE, RatConfig::read);
        register(AttentionConfig.TYPE, AttentionConfig::readFull);
        register(AttentionConfig.SWA_TYPE, AttentionConfig::readSliding);
        register("local_attention", AttentionConfig::readSliding);
        register(RnnConfig.TYPE, RnnConfig::read);
        register(RatPlusConfig.TYPE, r -> RatPlusConfig.read(r, false));
        register(RatPlusConfig.GATED_TYPE, r -> RatPlusConfig.read(r, true));
    }

    private Mixers() {
    }

    /** Makes {@code type} readable from configs; the reader gets the {@code seq_cell} mapping. */
    public static synchronized void register(String type, Function<ConfigReader, ? extends MixerConfig> reader) {
        READERS.put(type.toLowerCase(Locale.ROOT), reader);
    }

    /** The types configs may name, in the order they were registered. */
    public static synchronized List<String> types() {
        return List.copyOf(READERS.keySet());
    }

    /** Reads one {@code seq_cell} mapping by its {@code type}. */
    public static MixerConfig read(ConfigReader r) {
        String name = r.requireString("type");
        Function<ConfigReader, ? extends MixerConfig> reader;
        synchronized (Mixers.class) {
            reader = READERS.get(name.trim().toLowerCase(Locale.ROOT));
        }
        if (reader == null) {
            String near = ConfigReader.nearest(name.trim().toLowerCase(Locale.ROOT), types());
            throw new ConfigException("unknown layer type " + ConfigException.quote(name) + " at '" + r.path() + ".type'"
                    + (near == null ? "" : "; did you mean '" + near + "'?") + " Valid types: "
                    + String.join(", ", types()));
        }
        return reader.apply(r);
    }
}
