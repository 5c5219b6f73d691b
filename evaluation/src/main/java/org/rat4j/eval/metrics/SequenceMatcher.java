package org.rat4j.eval.metrics;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The similarity ratio of Python's {@code difflib.SequenceMatcher(None, a, b).ratio()}: {@code 2·M / (|a| + |b|)},
 * where M is the total size of the matching blocks found by recursively taking the longest common substring
 * (Ratcliff/Obershelp) with difflib's "autojunk" rule: when {@code b} has at least 200 elements, elements of
 * {@code b} occurring more than {@code |b|/100 + 1} times are not used to start a match (they may still extend one).
 *
 * <p>This is what {@code fuzzywuzzy.fuzz.ratio} computes when python-Levenshtein is not installed, which is the
 * environment of LongBench's and the RAT repository's scorers (their requirements name fuzzywuzzy alone). The
 * Levenshtein-based ratio of fuzzywuzzy's C path (and of the Java fuzzywuzzy ports, or an edit distance from
 * commons-text) is {@code 2·LCS / (|a| + |b|)}, a different number whenever the greedy block search misses the
 * longest common subsequence; no Java library reproduces difflib's block search, so it is implemented here.
 */
public final class SequenceMatcher {
    private static final int AUTOJUNK_MIN = 200;

    private final int[] a;
    private final int[] b;
    /** For each element of b not purged as popular: its positions in b, ascending. */
    private final Map<Integer, int[]> b2j = new HashMap<>();

    /** Compares the code points of two strings (Python strings are sequences of code points). */
    public SequenceMatcher(String a, String b) {
        this(PyText.codePoints(a), PyText.codePoints(b));
    }

    public SequenceMatcher(int[] a, int[] b) {
        this.a = a;
        this.b = b;
        Map<Integer, List<Integer>> positions = new HashMap<>();
        for (int j = 0; j < b.length; j++) positions.computeIfAbsent(b[j], k -> new java.util.ArrayList<>()).add(j);
        int popularAbove = b.length >= AUTOJUNK_MIN ? b.length / 100 + 1 : Integer.MAX_VALUE;
        for (Map.Entry<Integer, List<Integer>> e : positions.entrySet()) {
            if (e.getValue().size() > popularAbove) continue;
            b2j.put(e.getKey(), e.getValue().stream().mapToInt(Integer::intValue).toArray());
        }
    }

    /** {@code ratio()}: 1.0 for two empty sequences. */
    public double ratio() {
        int total = a.length + b.length;
        return total == 0 ? 1.0 : 2.0 * matches() / total;
    }

    /** M: the summed sizes of the matching blocks. */
    public int matches() {
        int sum = 0;
        Deque<int[]> queue = new ArrayDeque<>();
        queue.push(new int[]{0, a.length, 0, b.length});
        while (!queue.isEmpty()) {
            int[] r = queue.pop();
            int[] m = longestMatch(r[0], r[1], r[2], r[3]);
            int i = m[0];
            int j = m[1];
            int k = m[2];
            if (k == 0) continue;
            sum += k;
            if (r[0] < i && r[2] < j) queue.push(new int[]{r[0], i, r[2], j});
            if (i + k < r[1] && j + k < r[3]) queue.push(new int[]{i + k, r[1], j + k, r[3]});
        }
        return sum;
    }

    /**
     * {@code find_longest_match(alo, ahi, blo, bhi)}: the longest block {@code a[i:i+k] == b[j:j+k]} in the ranges,
     * the earliest in a (then in b) among the longest, extended over popular elements on both sides.
     *
     * @return {i, j, k}
     */
    int[] longestMatch(int alo, int ahi, int blo, int bhi) {
        int besti = alo;
        int bestj = blo;
        int bestsize = 0;
        Map<Integer, Integer> j2len = new HashMap<>();
        for (int i = alo; i < ahi; i++) {
            Map<Integer, Integer> next = new HashMap<>();
            int[] js = b2j.get(a[i]);
            if (js != null) {
                for (int j : js) {
                    if (j < blo) continue;
                    if (j >= bhi) break;
                    int k = j2len.getOrDefault(j - 1, 0) + 1;
                    next.put(j, k);
                    if (k > bestsize) {
                        besti = i - k + 1;
                        bestj = j - k + 1;
                        bestsize = k;
                    }
                }
            }
            j2len = next;
        }
        while (besti > alo && bestj > blo && a[besti - 1] == b[bestj - 1]) {
            besti--;
            bestj--;
            bestsize++;
        }
        while (besti + bestsize < ahi && bestj + bestsize < bhi && a[besti + bestsize] == b[bestj + bestsize]) bestsize++;
        return new int[]{besti, bestj, bestsize};
    }
}
