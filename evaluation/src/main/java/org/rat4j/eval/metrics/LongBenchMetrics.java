package org.rat4j.eval.metrics;

import org.rat4j.config.ConfigException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The English metrics of LongBench's {@code metrics.py} (THUDM/LongBench), one function each, with the reference's
 * exact behaviour including its quirks (noted per method). Every function scores one prediction against one
 * reference; {@link GenerationMetric#best} takes the maximum over several references as LongBench's scorer does.
 */
public final class LongBenchMetrics {
    /** Python's {@code string.punctuation}. */
    static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    private static final Pattern ARTICLES = Pattern.compile("\\b(a|an|the)\\b", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern NUMBER = Pattern.compile("\\d+", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern PARAGRAPH = Pattern.compile("Paragraph (\\d+)", Pattern.UNICODE_CHARACTER_CLASS);

    private LongBenchMetrics() {
    }

    /**
     * {@code normalize_answer}: lower-case, drop ASCII punctuation, replace the words a/an/the by a space, collapse
     * whitespace.
     */
    public static String normalizeAnswer(String s) {
        String lower = PyText.lower(s);
        StringBuilder kept = new StringBuilder(lower.length());
        lower.codePoints().filter(cp -> cp >= 128 || PUNCTUATION.indexOf(cp) < 0).forEach(kept::appendCodePoint);
        return PyText.collapseSpaces(ARTICLES.matcher(kept).replaceAll(" "));
    }

    /** {@code qa_f1_score}: token F1 of the normalised answers (0 when nothing overlaps, e.g. an empty prediction). */
    public static double qaF1(String prediction, String groundTruth) {
        return f1(PyText.split(normalizeAnswer(prediction)), PyText.split(normalizeAnswer(groundTruth)));
    }

    /** {@code f1_score}: F1 of the multiset overlap of two token lists. */
    public static double f1(List<String> prediction, List<String> groundTruth) {
        Map<String, Integer> counts = new HashMap<>();
        for (String t : groundTruth) counts.merge(t, 1, Integer::sum);
        int same = 0;
        for (String t : prediction) {
            Integer c = counts.get(t);
            if (c != null && c > 0) {
                counts.put(t, c - 1);
                same++;
            }
        }
        if (same == 0) return 0.0;
        double precision = (double) same / prediction.size();
        double recall = (double) same / groundTruth.size();
        return 2 * precision * recall / (precision + recall);
    }

    /**
     * {@code rouge_score}: {@code Rouge().get_scores([prediction], [groundTruth], avg=True)["rouge-l"]["f"]} of the
     * {@code rouge} package (pltrdy/rouge 1.0.1), and 0 where that raises (an empty prediction, or one made only of
     * full stops). The package's ROUGE-L is "summary level" over sentences split at {@code "."}, and with its default
     * {@code exclusive=True} every count is of <em>distinct</em> words: m and n are the numbers of distinct words of
     * reference and prediction, and the overlap is the number of distinct words in the union of the LCSs of every
     * (reference sentence, prediction sentence) pair, each LCS read back with the package's tie-breaking. Words are
     * split on single spaces and compared case-sensitively.
     */
    public static double rougeL(String prediction, String groundTruth) {
        List<String> hyp = sentences(prediction);
        List<String> ref = sentences(groundTruth);
        if (hyp.isEmpty() || ref.isEmpty()) return 0.0;                  // the package raises ValueError
        int m = new HashSet<>(words(ref)).size();
        int n = new HashSet<>(words(hyp)).size();
        Set<String> union = new HashSet<>();
        for (String r : ref) {
            List<String> refWords = PyText.split(r, " ");
            for (String h : hyp) union.addAll(lcsWords(refWords, PyText.split(h, " ")));
        }
        double recall = (double) union.size() / m;
        double precision = (double) union.size() / n;
        return 2.0 * (precision * recall / (precision + recall + 1e-8));
    }

    /** The package's sentence split: pieces of {@code text.split(".")} that are not empty, each whitespace-collapsed. */
    private static List<String> sentences(String text) {
        List<String> out = new ArrayList<>();
        for (String s : PyText.split(text, ".")) if (!s.isEmpty()) out.add(PyText.collapseSpaces(s));
        return out;
    }

    private static List<String> words(List<String> sentences) {
        List<String> out = new ArrayList<>();
        for (String s : sentences) out.addAll(PyText.split(s, " "));
        return out;
    }

    /** The words of one LCS of x and y, read back from (|x|, |y|) preferring to drop from y on ties (the package's {@code _recon_lcs}). */
    static List<String> lcsWords(List<String> x, List<String> y) {
        int n = x.size();
        int m = y.size();
        int[][] t = new int[n + 1][m + 1];
        for (int i = 1; i <= n; i++) {
            for (int j = 1; j <= m; j++) {
                t[i][j] = x.get(i - 1).equals(y.get(j - 1)) ? t[i - 1][j - 1] + 1 : Math.max(t[i - 1][j], t[i][j - 1]);
            }
        }
        List<String> out = new ArrayList<>();
        int i = n;
        int j = m;
        while (i > 0 && j > 0) {
            if (x.get(i - 1).equals(y.get(j - 1))) {
                out.add(x.get(i - 1));
                i--;
                j--;
            } else if (t[i - 1][j] > t[i][j - 1]) {
                i--;
            } else {
                j--;
            }
        }
        return out;
    }

    /**
     * {@code classification_score} (trec): the classes that occur as substrings of the prediction, less those that are
     * substrings of, but not equal to, the gold class; 1/#kept when the gold class is kept, else 0. Reproduces the
     * reference's removal while iterating (Python's list iterator then skips the element after each removed one), and
     * that its similarity fallback is never reached ({@code if em_match_list != 0} is always true).
     */
    public static double classification(String prediction, String groundTruth, List<String> allClasses) {
        if (allClasses == null || allClasses.isEmpty()) {
            throw new ConfigException("the classification metric needs the item's class list (LongBench's all_classes)");
        }
        List<String> matches = new ArrayList<>();
        for (String c : allClasses) if (prediction.contains(c)) matches.add(c);
        for (int i = 0; i < matches.size(); i++) {
            String term = matches.get(i);
            if (groundTruth.contains(term) && !term.equals(groundTruth)) matches.remove(term);
        }
        return matches.contains(groundTruth) ? 1.0 / matches.size() : 0.0;
    }

    /** {@code retrieval_score}: the share of the numbers in the prediction that equal the gold paragraph number. */
    public static double retrieval(String prediction, String groundTruth) {
        Matcher m = PARAGRAPH.matcher(groundTruth);
        if (!m.find()) {
            throw new ConfigException("retrieval reference '" + groundTruth + "' does not name a paragraph as 'Paragraph N'");
        }
        return shareEqual(prediction, m.group(1));
    }

    /** {@code count_score}: the share of the numbers in the prediction that equal the gold count. */
    public static double count(String prediction, String groundTruth) {
        return shareEqual(prediction, groundTruth);
    }

    private static double shareEqual(String prediction, String target) {
        List<String> numbers = PyText.findAll(NUMBER, prediction);
        if (numbers.isEmpty()) return 0.0;
        long right = numbers.stream().filter(target::equals).count();
        return (double) right / numbers.size();
    }

    /**
     * {@code code_sim_score}: the first line of the prediction (leading newlines dropped) that contains none of
     * {@code `}, {@code #}, {@code //} (or "" when none), compared with {@code fuzz.ratio(line, gold) / 100}.
     */
    public static double codeSim(String prediction, String groundTruth) {
        String line = "";
        for (String l : PyText.split(PyText.lstrip(prediction, "\n"), "\n")) {
            if (!l.contains("`") && !l.contains("#") && !l.contains("//")) {
                line = l;
                break;
            }
        }
        return fuzzRatio(line, groundTruth) / 100.0;
    }

    /**
     * {@code fuzzywuzzy.fuzz.ratio}: 100 for equal strings, 0 when either is empty, else
     * {@code round(100 · SequenceMatcher(None, a, b).ratio())} with Python's round-half-to-even.
     */
    public static int fuzzRatio(String a, String b) {
        if (a.equals(b)) return 100;
        if (a.isEmpty() || b.isEmpty()) return 0;
        return (int) Math.rint(100 * new SequenceMatcher(a, b).ratio());
    }
}
