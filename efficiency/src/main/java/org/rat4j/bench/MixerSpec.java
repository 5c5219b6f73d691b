package org.rat4j.bench;

import org.rat4j.attention.AttentionConfig;
import org.rat4j.block.BlockDims;
import org.rat4j.block.MixerBlock;
import org.rat4j.block.MixerConfig;
import org.rat4j.rat.RatConfig;
import org.rat4j.ratplus.RatPlusConfig;
import org.rat4j.rnn.RnnConfig;

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
        if (s.equals("attention") || s.equals("attn")) return new MixerSpec("attention", AttentionConfig.full());
        if (s.equals("rnn")) return new MixerSpec("rnn", new RnnConfig());
        if (s.equals("swa")) s = "swa1024";
        if (s.equals("rat")) s = "rat16";
        Matcher m = SWA.matcher(s);
        if (m.matches()) return new MixerSpec(s, AttentionConfig.sliding(Integer.parseInt(m.group(1))));
        m = RAT.matcher(s);
        if (m.matches()) {
            int l = Integer.parseInt(m.group(1));
            if (l < 1) throw new IllegalArgumentException("RAT chunk length must be >= 1 in '" + text + "'");
            return new MixerSpec(s, RatConfig.of(l, 2));
        }
        m = RATPLUS.matcher(s);
        if (m.matches()) {
            int dil = m.group(1).equals("n") ? -1 : Integer.parseInt(m.group(1));
            if (dil == 0) throw new IllegalArgumentException("RAT+ dilation must be -1 ('n') or >= 1 in '" + text + "'");
            return new MixerSpec(s, RatPlusConfig.of(dil, Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3))));
        }
        throw new IllegalArgumentException("unknown mixer '" + text + "'; use attention, swa<W>, rnn, rat<L> or"
                + " ratplus<Dl>-<W>-<P> (e.g. swa1024, rat16, ratplus16-0-4; Dl=-1 is written n)");
    }

    public static List<MixerSpec> parseList(String commaSeparated) {
        List<MixerSpec> out = new ArrayList<>();
        for (String s : commaSeparated.split(",")) if (!s.isBlank()) out.add(parse(s));
        return out;
    }

    /** attention, swa, rnn, rat or ratplus (the config's {@code type}). */
    public String family() {
        return cell.type();
    }

    /** The layer under test. {@code seqLen} is the RNN's chrono-init horizon (it does not change the cost). */
    public MixerBlock block(BlockDims dims, int seqLen) {
        return cell.block(dims, seqLen, 0);
    }

    /** The layer at width D with H heads, for counting its parameters and the keys it attends. */
    public MixerBlock block(int d, int heads) {
        return block(new BlockDims(d, heads, 1e-6, 0.02), 1);
    }

    /** The layer at a nominal width (D=512, 8 heads), for the questions that do not depend on it: keys, scan length. */
    public MixerBlock nominalBlock() {
        return block(512, 8);
    }

    /** The smallest multiple every T must be (RAT needs T % L == 0). */
    public int sequenceMultiple() {
        return cell.sequenceMultiple();
    }

    @Override
    public String toString() {
        return label;
    }
}
