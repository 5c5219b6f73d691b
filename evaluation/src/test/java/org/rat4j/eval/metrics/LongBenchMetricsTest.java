package org.rat4j.eval.metrics;

import org.junit.jupiter.api.Test;
import org.rat4j.config.ConfigException;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * LongBench's metrics on hand-computed cases, including the reference's edge cases. Where a value is not obvious, the
 * comment shows the computation; the {@code rouge}/{@code fuzzywuzzy}-dependent values were also checked against the
 * Python packages (pltrdy/rouge 1.0.1, fuzzywuzzy 0.18 without python-Levenshtein) on 3,000 random pairs.
 */
class LongBenchMetricsTest {
    private static final double EPS = 1e-12;

    @Test
    void normalizationLowersDropsPunctuationArticlesAndSpaces() {
        assertEquals("cat sat on mat", LongBenchMetrics.normalizeAnswer("The  cat, sat on A mat!"));
        // "an" inside a word is kept; the apostrophe is punctuation; non-ASCII punctuation is not in string.punctuation
        assertEquals("banana dont «x»", LongBenchMetrics.normalizeAnswer("Banana, don't «x»."));
        assertEquals("", LongBenchMetrics.normalizeAnswer("The a an"));
    }

    @Test
    void qaF1CountsTokenOverlapAsAMultiset() {
        // pred {cat, sat, mat}, gold {cat, sat, on, mat, mat}: 3 common; P = 3/3, R = 3/5, F1 = 2·1·0.6/1.6 = 0.75
        assertEquals(0.75, LongBenchMetrics.qaF1("the cat sat mat", "a cat sat on mat mat"), EPS);
        // each occurrence counts once: "x x" against "x" has 1 common token, P = 1/2, R = 1
        assertEquals(2 * 0.5 / 1.5, LongBenchMetrics.qaF1("x x", "x"), EPS);
        assertEquals(1.0, LongBenchMetrics.qaF1("Paris.", "paris"), EPS);
        assertEquals(0.0, LongBenchMetrics.qaF1("", "paris"), EPS, "empty prediction");
        assertEquals(0.0, LongBenchMetrics.qaF1("the", "the"), EPS, "nothing left after normalisation: no common token");
    }

    @Test
    void bestOverSeveralReferencesIsTheMaximum() {
        assertEquals(1.0, GenerationMetric.QA_F1.best("Paris", List.of("London", "paris"), List.of()), EPS);
        assertEquals(0.0, GenerationMetric.QA_F1.best("Rome", List.of("London", "Paris"), List.of()), EPS);
        assertThrows(ConfigException.class, () -> GenerationMetric.QA_F1.best("x", List.of(), List.of()));
    }

    @Test
    void rougeLIsTheRougePackagesSummaryLevelScoreOnDistinctWords() {
        // one sentence each: ref "a cat sat on a mat" (5 distinct words: a cat sat on mat), pred "the cat sat on the mat"
        // (5 distinct: the cat sat on mat); LCS = cat sat on mat = 4 distinct; R = 4/5, P = 4/5, F = 0.8 (less 1e-8)
        double f = LongBenchMetrics.rougeL("the cat sat on the mat", "a cat sat on a mat");
        assertEquals(2 * (0.8 * 0.8) / (0.8 + 0.8 + 1e-8), f, EPS);
        // sentences split at "." and the union of LCS words across them: pred sentences "x y", "z"; ref "x z";
        // LCS(ref, "x y") = {x}, LCS(ref, "z") = {z}; union 2; m = 2, n = 3 -> R = 1, P = 2/3
        assertEquals(2 * (2.0 / 3 * 1) / (2.0 / 3 + 1 + 1e-8), LongBenchMetrics.rougeL("x y. z", "x z"), EPS);
        // case-sensitive, no punctuation stripping beyond the sentence split
        assertEquals(0.0, LongBenchMetrics.rougeL("Cat", "cat"), EPS);
    }

    @Test
    void rougeLIsZeroWhereThePackageRaises() {
        assertEquals(0.0, LongBenchMetrics.rougeL("", "a b"), EPS, "empty prediction");
        assertEquals(0.0, LongBenchMetrics.rougeL("...", "a b"), EPS, "only full stops: no sentence");
        assertEquals(0.0, LongBenchMetrics.rougeL("a b", ""), EPS, "empty reference");
    }

    @Test
    void rougeLBestOverReferences() {
        assertEquals(LongBenchMetrics.rougeL("x y", "x y"), GenerationMetric.ROUGE_L.best("x y", List.of("q", "x y"), List.of()), EPS);
    }

    @Test
    void classificationKeepsTheReferencesIteratorQuirk() {
        List<String> classes = List.of("Location", "City", "Country", "Description");
        assertEquals(1.0, LongBenchMetrics.classification("Type: City", "City", classes), EPS);
        // two classes found, gold among them: 1/2
        assertEquals(0.5, LongBenchMetrics.classification("City or Country", "Country", classes), EPS);
        assertEquals(0.0, LongBenchMetrics.classification("nothing", "City", classes), EPS);
        // "Age" is a substring of the gold "Agent" and is dropped; "Agent" kept alone: 1
        assertEquals(1.0, LongBenchMetrics.classification("Agent", "Agent", List.of("Age", "Agent")), EPS);
        // Python removes "ab" at index 0 while iterating, so "a" (now at index 0) is never examined and stays:
        // matches [a, abc] -> gold kept, 1/2 (a clean filter would give 1)
        assertEquals(0.5, LongBenchMetrics.classification("abc", "abc", List.of("ab", "a", "abc")), EPS);
        assertThrows(ConfigException.class, () -> LongBenchMetrics.classification("x", "y", List.of()));
    }

    @Test
    void retrievalAndCountScoreTheShareOfRightNumbers() {
        assertEquals(1.0, LongBenchMetrics.retrieval("Paragraph 12", "Paragraph 12"), EPS);
        assertEquals(0.5, LongBenchMetrics.retrieval("12 or 3", "Paragraph 12"), EPS);
        assertEquals(0.0, LongBenchMetrics.retrieval("no number", "Paragraph 12"), EPS);
        assertThrows(ConfigException.class, () -> LongBenchMetrics.retrieval("1", "no paragraph"));
        assertEquals(0.5, LongBenchMetrics.count("7, 8 and 7... no: 9", "7"), EPS); // numbers 7, 8, 7, 9: 2 of 4
        assertEquals(0.0, LongBenchMetrics.count("", "7"), EPS);
    }

    @Test
    void fuzzRatioIsDifflibsRatioRoundedHalfToEven() {
        assertEquals(75, LongBenchMetrics.fuzzRatio("abcd", "bcde"));          // match "bcd": 2·3/8
        assertEquals(100, LongBenchMetrics.fuzzRatio("", ""), "equal strings first");
        assertEquals(0, LongBenchMetrics.fuzzRatio("", "x"), "then an empty side scores 0");
        // difflib finds the block "aa" only: M = 2, 2·2/9 = 44.4 -> 44; the Levenshtein ratio of the C path and of the
        // Java ports is 2·LCS/9 = 2·3/9 -> 67
        assertEquals(44, LongBenchMetrics.fuzzRatio("aaaca", "abaa"));
        // half to even: 2·M/T = 0.625 exactly -> 62.5 -> 62 ("abcde" vs "abcxyz..": M = 5, T = 16)
        assertEquals(62, LongBenchMetrics.fuzzRatio("abcde", "abcdefghijk"));
    }

    @Test
    void sequenceMatcherUsesDifflibsAutojunkOnLongSequences() {
        // b has 200 elements; 'x' occurs 190 times > 200/100 + 1 = 3, so it cannot start a match: "qxxq" matches nothing
        String b = "ab" + "x".repeat(190) + "cdefghij";
        assertEquals(0.0, new SequenceMatcher("qxxq", b).ratio(), EPS);
        // but a popular element extends a match that a rarer one started: "ab" grows over "xx" to 4
        assertEquals(2 * 4.0 / (4 + 200), new SequenceMatcher("abxx", b).ratio(), EPS);
        // with 199 elements there is no autojunk: "xx" matches
        String b199 = "ab" + "x".repeat(189) + "cdefghij";
        assertEquals(2 * 2.0 / (4 + 199), new SequenceMatcher("qxxq", b199).ratio(), EPS);
        assertEquals(1.0, new SequenceMatcher("", "").ratio(), EPS);
    }

    @Test
    void codeSimTakesTheFirstLineWithoutCommentMarks() {
        assertEquals(1.0, LongBenchMetrics.codeSim("\n\n# comment\nx = 1\ny = 2", "x = 1"), EPS);
        assertEquals(0.0, LongBenchMetrics.codeSim("// only\n`code`", "x = 1"), EPS, "no usable line: the empty string");
        assertEquals(0.0, LongBenchMetrics.codeSim("", "x = 1"), EPS, "empty prediction");
        assertEquals(0.75, LongBenchMetrics.codeSim("abcd", "bcde"), EPS);
        assertEquals(1.0, GenerationMetric.CODE_SIM.best("abcd", List.of("zz", "abcd"), List.of()), EPS);
    }
}
