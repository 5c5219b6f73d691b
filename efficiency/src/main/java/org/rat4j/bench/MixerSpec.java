package org.rat4j.bench;

import org.rat4j.config.MixerConfig;
import org.rat4j.config.MixerType;
import org.rat4j.config.RatPlusPattern;
import org.rat4j.layers.AttentionLayer;
import org.rat4j.layers.BlockDims;
import org.rat4j.layers.RatLayer;
import org.rat4j.layers.RatPlusLayer;
import org.rat4j.layers.RnnLayer;
import org.rat4j.layers.SequenceBlock;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A mixer under test, by a short label that is also used in file names and in the PyTorch peer:
 * {@code attention}, {@code swa1024} (window W), {@code rnn}, {@code rat16} (chunk L, G = 2 groups),
 * {@code ratplus16-0-4} (RAT+ with dilation Dl, local window W, sinks P; Dl = -1 is written {@code n}).
 */
public record MixerSpec(String label, MixerConfig cell) {
    private static final Pattern SWA = Pattern.compile("swa(\\d+)");
    private static final Pattern RAT = Pattern.compile("rat(\\d+)");
    private static final Pattern RATPLUS = Pattern.compile("ratplus(n|\\d+)-(\\d+)-(\\d+)");

    /** Parses a label; {@code swa} alone means W = 1024 (spec §2.3) and {@code rat} alone L = 16. */
    public static MixerSpec parse(String text) {
        String s = text.trim().toLowerCase(Locale.ROOT);
        if (s.equals("attention") || s.equals("attn")) return new MixerSpec("attention", MixerConfig.attention());
        if (s.equals("rnn")) return new MixerSpec("rnn", MixerConfig.rnn());
        if (s.equals("swa")) s = "swa1024";
        if (s.equals("rat")) s = "rat16";
        Matcher m = SWA.matcher(s);
        if (m.matches()) return new MixerSpec(s, MixerConfig.swa(Integer.parseInt(m.group(1))));
        m = RAT.matcher(s);
        if (m.matches()) {
            int l = Integer.parseInt(m.group(1));
            if (l < 1) throw new IllegalArgumentException("RAT chunk length must be >= 1 in '" + text + "'");
            return new MixerSpec(s, MixerConfig.rat(l, 2));
        }
        m = RATPLUS.matcher(s);
        if (m.matches()) {
            int dil = m.group(1).equals("n") ? -1 : Integer.parseInt(m.group(1));
            if (dil == 0) throw new IllegalArgumentException("RAT+ dilation must be -1 ('n') or >= 1 in '" + text + "'");
            return new MixerSpec(s, MixerConfig.ratPlus(dil, Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))));
        }
        throw new IllegalArgumentException("unknown mixer '" + text + "'; use attention, swa<W>, rnn, rat<L> or"
                + " ratplus<Dl>-<W>-<P> (e.g. swa1024, rat16, ratplus16-0-4; Dl=-1 is written n)");
    }

    public static List<MixerSpec> parseList(String commaSeparated) {
        List<MixerSpec> out = new ArrayList<>();
        for (String s : commaSeparated.split(",")) if (!s.isBlank()) out.add(parse(s));
        return out;
    }

    public MixerType type() {
        return cell.type();
    }

    /** attention, swa, rnn, rat or ratplus. */
    public String family() {
        return cell.type().configName();
    }

    public RatPlusPattern pattern() {
        return cell.patternFor(0);
    }

    /** The layer under test. {@code seqLen} is the RNN's chrono-init horizon (it does not change the cost). */
    public SequenceBlock block(BlockDims dims, int seqLen) {
        return switch (cell.type()) {
            case ATTENTION, SWA -> new AttentionLayer(dims, cell);
            case RNN -> new RnnLayer(dims, seqLen);
            case RAT -> new RatLayer(dims, cell);
            case RATPLUS -> new RatPlusLayer(dims, cell, pattern());
        };
    }

    /** The smallest multiple every T must be (RAT needs T % L == 0). */
    public int sequenceMultiple() {
        return cell.type() == MixerType.RAT ? cell.chunkSize() : 1;
    }

    @Override
    public String toString() {
        return label;
    }
}
