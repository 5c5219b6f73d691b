package org.rat4j.eval.metrics;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * RULER's NIAH scoring (NVIDIA/RULER {@code scripts/eval/synthetic/constants.py}, {@code evaluate.py}) and the
 * RAT+ variant ({@code [R+]eval/ruler/ruler_eval.py}).
 */
public final class RulerMatch {
    private static final Pattern CONTROL = Pattern.compile("[\\x00-\\x1f]");

    private RulerMatch() {
    }

    /** RULER's {@code postprocess_pred}: strip, control characters to newlines, strip again. */
    public static String postprocess(String prediction) {
        return PyText.strip(CONTROL.matcher(PyText.strip(prediction)).replaceAll("\n"));
    }

    /** {@code string_match_all} for one item: the share of references found case-insensitively in the prediction. */
    public static double all(String prediction, List<String> references) {
        String p = PyText.lower(prediction);
        int found = 0;
        for (String r : references) if (p.contains(PyText.lower(r))) found++;
        return (double) found / references.size();
    }

    /** {@code string_match_part} for one item: 1 when any reference is found case-insensitively, else 0. */
    public static double part(String prediction, List<String> references) {
        String p = PyText.lower(prediction);
        for (String r : references) if (p.contains(PyText.lower(r))) return 1.0;
        return 0.0;
    }

    /**
     * RAT+'s scoring: the prediction split at commas and stripped, as a set, against the stripped references:
     * |set(pred) ∩ set(refs)| / |refs| (the denominator counts the list, duplicates included).
     */
    public static double setMatch(String prediction, List<String> references) {
        Set<String> pred = new HashSet<>();
        for (String p : PyText.split(prediction, ",")) pred.add(PyText.strip(p));
        Set<String> refs = new HashSet<>();
        for (String r : references) refs.add(PyText.strip(r));
        refs.retainAll(pred);
        return (double) refs.size() / references.size();
    }
}
