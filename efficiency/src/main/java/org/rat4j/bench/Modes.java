package org.rat4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The three layer-benchmark modes of spec §6.1. */
public final class Modes {
    /** Forward + backward of {@code out.mean()}, gradients of every parameter. */
    public static final String TRAIN = "train";
    /** No-grad forward that also fills the decode cache. */
    public static final String PREFILL = "prefill";
    /** One decode step at position T−1 on a filled cache. */
    public static final String GEN = "gen";
    /** One decode step at a fixed position (T−1 = 4095 by default) for several batch sizes (spec §6.1's second sweep). */
    public static final String GEN_BATCH = "gen-batch";
    public static final List<String> ALL = List.of(TRAIN, PREFILL, GEN, GEN_BATCH);

    /** gen and gen-batch: a decode step. */
    public static boolean isGen(String mode) {
        return GEN.equals(mode) || GEN_BATCH.equals(mode);
    }

    private Modes() {
    }

    public static List<String> parseList(String text) {
        List<String> out = new ArrayList<>();
        for (String s : text.split(",")) {
            String m = s.trim().toLowerCase(Locale.ROOT);
            if (m.isEmpty()) continue;
            if (!ALL.contains(m)) throw new IllegalArgumentException("unknown mode '" + s + "'; use train, prefill, gen, gen-batch");
            out.add(m);
        }
        return out;
    }
}
