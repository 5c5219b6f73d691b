package org.rat4j.data.niah;

import org.rat4j.config.ConfigException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The eight RULER needle-in-a-haystack tasks of the RAT+ evaluation (spec §7), with RULER's settings: what fills
 * the haystack, what keys and values look like, and how many keys, values per key and queried keys there are.
 */
public enum NiahTask {
    NIAH_SINGLE_1(HaystackKind.NOISE, KeyKind.WORDS, ValueKind.NUMBERS, 1, 1, 1),
    NIAH_SINGLE_2(HaystackKind.ESSAY, KeyKind.WORDS, ValueKind.NUMBERS, 1, 1, 1),
    NIAH_SINGLE_3(HaystackKind.ESSAY, KeyKind.WORDS, ValueKind.UUIDS, 1, 1, 1),
    NIAH_MULTIKEY_1(HaystackKind.ESSAY, KeyKind.WORDS, ValueKind.NUMBERS, 4, 1, 1),
    NIAH_MULTIKEY_2(HaystackKind.NEEDLES, KeyKind.WORDS, ValueKind.NUMBERS, 1, 1, 1),
    NIAH_MULTIKEY_3(HaystackKind.NEEDLES, KeyKind.UUIDS, ValueKind.UUIDS, 1, 1, 1),
    NIAH_MULTIVALUE(HaystackKind.ESSAY, KeyKind.WORDS, ValueKind.NUMBERS, 1, 4, 1),
    NIAH_MULTIQUERY(HaystackKind.ESSAY, KeyKind.WORDS, ValueKind.NUMBERS, 4, 1, 4);

    /** What fills the context around the needles. */
    public enum HaystackKind {
        /** One short passage of plain sentences repeated ("The grass is green. ..."). */
        NOISE,
        /** Real prose: sentences of the corpus (RULER uses essays). */
        ESSAY,
        /** Other needles with other keys: the model must find the one key among many look-alikes. */
        NEEDLES
    }

    public enum KeyKind { WORDS, UUIDS }

    public enum ValueKind {
        NUMBERS("numbers"), UUIDS("uuids");

        private final String plural;

        ValueKind(String plural) {
            this.plural = plural;
        }

        /** How the template names the values, e.g. "special magic numbers". */
        public String plural() {
            return plural;
        }
    }

    private final HaystackKind haystack;
    private final KeyKind keyKind;
    private final ValueKind valueKind;
    private final int keys;
    private final int valuesPerKey;
    private final int queries;

    NiahTask(HaystackKind haystack, KeyKind keyKind, ValueKind valueKind, int keys, int valuesPerKey, int queries) {
        this.haystack = haystack;
        this.keyKind = keyKind;
        this.valueKind = valueKind;
        this.keys = keys;
        this.valuesPerKey = valuesPerKey;
        this.queries = queries;
    }

    /** The RULER name, e.g. {@code niah_single_1}. */
    public String taskName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public HaystackKind haystack() {
        return haystack;
    }

    public KeyKind keyKind() {
        return keyKind;
    }

    public ValueKind valueKind() {
        return valueKind;
    }

    /** Keys with needles in the context (RULER's num_needle_k). */
    public int keys() {
        return keys;
    }

    /** Needles per key (num_needle_v). */
    public int valuesPerKey() {
        return valuesPerKey;
    }

    /** Keys asked about (num_needle_q). */
    public int queries() {
        return queries;
    }

    /** Parses {@code all} or a comma-separated list of task names. */
    public static List<NiahTask> parseList(String spec) {
        if (spec.trim().equalsIgnoreCase("all")) return List.of(values());
        List<NiahTask> out = new ArrayList<>();
        for (String part : spec.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) continue;
            NiahTask found = null;
            for (NiahTask t : values()) if (t.taskName().equals(p.toLowerCase(Locale.ROOT))) found = t;
            if (found == null) {
                List<String> names = new ArrayList<>();
                for (NiahTask t : values()) names.add(t.taskName());
                throw new ConfigException("unknown NIAH task '" + p + "'; known tasks: " + String.join(", ", names) + " (or all)");
            }
            if (!out.contains(found)) out.add(found);
        }
        if (out.isEmpty()) throw new ConfigException("no NIAH task given; use --tasks all or e.g. niah_single_1");
        return out;
    }
}
