package org.rat4j.eval.metrics;

import org.rat4j.config.ConfigException;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The per-item metrics of generation tasks, by the name a task file uses. */
public enum GenerationMetric {
    /** LongBench {@code qa_f1_score}. */
    QA_F1("qa_f1"),
    /** LongBench {@code rouge_score} (ROUGE-L F of the {@code rouge} package). */
    ROUGE_L("rouge_l"),
    /** LongBench {@code classification_score} (needs the item's class list). */
    CLASSIFICATION("classification"),
    /** LongBench {@code retrieval_score}. */
    RETRIEVAL("retrieval"),
    /** LongBench {@code count_score}. */
    COUNT("count"),
    /** LongBench {@code code_sim_score} (fuzzy ratio). */
    CODE_SIM("code_sim"),
    /** RULER {@code string_match_all}: the share of references found, case-insensitively, in the prediction. */
    STRING_MATCH_ALL("string_match_all"),
    /** RULER {@code string_match_part}: 1 when any reference is found in the prediction. */
    STRING_MATCH_PART("string_match_part");

    private final String fileName;

    GenerationMetric(String fileName) {
        this.fileName = fileName;
    }

    /** The name in task files and results. */
    public String fileName() {
        return fileName;
    }

    public static GenerationMetric parse(String name, String where) {
        List<String> names = new ArrayList<>();
        for (GenerationMetric m : values()) {
            if (m.fileName.equals(name.trim().toLowerCase(Locale.ROOT))) return m;
            names.add(m.fileName);
        }
        throw new ConfigException(where + ": unknown generation metric '" + name + "'; known metrics: " + String.join(", ", names));
    }

    /**
     * The item's score: LongBench's {@code max(0, metric(pred, ref) for ref in refs)}, or RULER's score over the whole
     * reference list.
     */
    public double best(String prediction, List<String> references, List<String> classes) {
        if (references.isEmpty()) throw new ConfigException("an item has no reference answer to score against");
        if (this == STRING_MATCH_ALL) return RulerMatch.all(prediction, references);
        if (this == STRING_MATCH_PART) return RulerMatch.part(prediction, references);
        double best = 0.0;
        for (String ref : references) best = Math.max(best, score(prediction, ref, classes));
        return best;
    }

    private double score(String prediction, String reference, List<String> classes) {
        return switch (this) {
            case QA_F1 -> LongBenchMetrics.qaF1(prediction, reference);
            case ROUGE_L -> LongBenchMetrics.rougeL(prediction, reference);
            case CLASSIFICATION -> LongBenchMetrics.classification(prediction, reference, classes);
            case RETRIEVAL -> LongBenchMetrics.retrieval(prediction, reference);
            case COUNT -> LongBenchMetrics.count(prediction, reference);
            case CODE_SIM -> LongBenchMetrics.codeSim(prediction, reference);
            case STRING_MATCH_ALL, STRING_MATCH_PART -> throw new IllegalStateException("list metric");
        };
    }
}
