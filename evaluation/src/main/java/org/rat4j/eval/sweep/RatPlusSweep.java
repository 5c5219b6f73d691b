package org.rat4j.eval.sweep;

import org.rat4j.config.ConfigException;
import org.rat4j.config.ConfigReader;
import org.rat4j.model.ModelConfig;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.ratplus.RatPlusPattern;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The RAT+ inference sweep (RAT+ paper, Table 8): one RAT+ checkpoint evaluated under several sparse attention
 * patterns (dilation D, local window W, sinks P) chosen at inference time. A variant shares the checkpoint's weight
 * arrays and differs only in its config: the config's map form with every RAT+ cell's {@code dilation_size},
 * {@code local_size} and {@code initial_size} replaced, read back as a new model config.
 */
public final class RatPlusSweep {
    /** Table 8's rows: D = 1 (dense) to 64 with W = 0, plus D = 16 with W = 256; P = 4 sinks throughout. */
    public static final String TABLE8 = "1:0:4,2:0:4,4:0:4,8:0:4,16:0:4,32:0:4,64:0:4,16:256:4";
    private static final String CELLS_KEY = "backbone";

    private RatPlusSweep() {
    }

    /** A pattern as reports name it: {@code D=16,W=0,P=4}. D = 1 is dense; D = -1 keeps no dilated keys. */
    public static String label(RatPlusPattern p) {
        return "D=" + p.dilation() + ",W=" + p.local() + ",P=" + p.initial();
    }

    /**
     * Parses {@code D:W:P} settings separated by commas; {@code dense} is {@code 1:0:0} and {@code table8} the rows of
     * {@link #TABLE8}. W and P may be left out ({@code 16} is {@code 16:0:0}).
     */
    public static List<RatPlusPattern> parse(String spec) {
        List<RatPlusPattern> out = new ArrayList<>();
        for (String part : spec.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) continue;
            if (p.equalsIgnoreCase("table8")) {
                out.addAll(parse(TABLE8));
                continue;
            }
            if (p.equalsIgnoreCase("dense")) {
                out.add(RatPlusPattern.DENSE);
                continue;
            }
            String[] f = p.split(":");
            if (f.length > 3) throw new ConfigException("--ratplus-sweep setting '" + p + "' must be D[:W[:P]], e.g. 16:256:4");
            try {
                int d = Integer.parseInt(f[0].trim());
                int w = f.length > 1 ? Integer.parseInt(f[1].trim()) : 0;
                int s = f.length > 2 ? Integer.parseInt(f[2].trim()) : 0;
                if (d == 0 || d < -1 || w < 0 || s < 0) throw new NumberFormatException();
                out.add(new RatPlusPattern(d, w, s));
            } catch (NumberFormatException e) {
                throw new ConfigException("--ratplus-sweep setting '" + p + "' must be D[:W[:P]] with D = -1 or >= 1 and W, P >= 0"
                        + " (e.g. 16:256:4, dense, table8)");
            }
        }
        if (out.isEmpty()) throw new ConfigException("--ratplus-sweep names no setting; e.g. table8 or dense,16:0:4,64:0:4");
        return out;
    }

    /** The model under another RAT+ pattern, sharing its parameter arrays. */
    @SuppressWarnings("unchecked")
    public static RatLanguageModel variant(RatLanguageModel model, RatPlusPattern s) {
        Map<String, Object> tree = model.config().toMap();
        Map<String, Object> backbone = (Map<String, Object>) tree.get(CELLS_KEY);
        int changed = 0;
        for (String cell : List.of("seq_cell", "seq_cell1")) {
            Map<String, Object> c = (Map<String, Object>) backbone.get(cell);
            if (c == null || !"ratplus".equals(c.get("type"))) continue;
            c.put("dilation_size", s.dilation());
            c.put("local_size", s.local());
            c.put("initial_size", s.initial());
            changed++;
        }
        if (changed == 0) {
            throw new ConfigException("--ratplus-sweep needs a RAT+ model (a ratplus seq_cell); this model's cells are "
                    + backbone.get("seq_cell") + (backbone.containsKey("seq_cell1") ? " and " + backbone.get("seq_cell1") : ""));
        }
        ConfigReader reader = new ConfigReader("", tree);
        ModelConfig config = ModelConfig.read(reader);
        reader.finish();
        return RatLanguageModel.fromParameters(config, model.parameters(), model.dataType());
    }
}
