package org.rat4j.eval.task;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.rat4j.config.ConfigException;

import java.util.List;
import java.util.Map;

/**
 * How a multiple-choice item names its correct choice: the template's text is the 0-based index, or it is looked up
 * in {@code gold_map} (e.g. winogrande's {@code "1" -> 0}), or found in the list {@code gold_in} renders (e.g. ARC's
 * answer key among the choice labels).
 */
record Gold(Template value, Map<String, Integer> map, Template among) {
    int index(ObjectNode r, int choices, String where) {
        String v = value.render(r, where).trim();
        int g;
        if (among != null) {
            List<String> labels = among.renderList(r, where);
            g = labels.indexOf(v);
            if (g < 0) throw new ConfigException(where + ": the gold '" + v + "' is not among " + labels);
        } else if (map != null) {
            Integer m = map.get(v);
            if (m == null) throw new ConfigException(where + ": the gold '" + v + "' is not a key of gold_map " + map.keySet());
            g = m;
        } else {
            try {
                g = Integer.parseInt(v);
            } catch (NumberFormatException e) {
                throw new ConfigException(where + ": the gold '" + v + "' is not a choice index; use gold_map or gold_in");
            }
        }
        if (g < 0 || g >= choices) throw new ConfigException(where + ": gold index " + g + " is outside the " + choices + " choices");
        return g;
    }
}
