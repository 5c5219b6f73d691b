package org.rat4j.eval.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The few Python {@code str} operations the reference scorers (lm-eval, LongBench, RULER, the {@code rouge} package)
 * are written in, with Python's semantics where Java's differ: {@code split()} on Python's whitespace set,
 * {@code split(sep)} keeping empty pieces, {@code strip}/{@code lstrip} of a character set, {@code re.findall}.
 * Strings are handled as Java strings; Python counts code points, so the helpers that index do so too.
 */
public final class PyText {
    private PyText() {
    }

    /** Python's {@code str.isspace()} for one code point (it includes U+001C..U+001F and U+0085, unlike {@code \s}). */
    public static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x85;
    }

    /** {@code s.split()}: runs of whitespace separate the pieces; no empty pieces. */
    public static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            while (i < n && isSpace(s.codePointAt(i))) i += Character.charCount(s.codePointAt(i));
            int start = i;
            while (i < n && !isSpace(s.codePointAt(i))) i += Character.charCount(s.codePointAt(i));
            if (i > start) out.add(s.substring(start, i));
        }
        return out;
    }

    /** {@code s.split(sep)} with a literal separator: every piece kept, including empty ones ({@code "".split(" ") == [""]}). */
    public static List<String> split(String s, String sep) {
        List<String> out = new ArrayList<>();
        int from = 0;
        while (true) {
            int at = s.indexOf(sep, from);
            if (at < 0) {
                out.add(s.substring(from));
                return out;
            }
            out.add(s.substring(from, at));
            from = at + sep.length();
        }
    }

    /** {@code " ".join(s.split())}: whitespace runs collapsed to one space, ends trimmed. */
    public static String collapseSpaces(String s) {
        return String.join(" ", split(s));
    }

    /** {@code s.strip()}: Python whitespace removed from both ends. */
    public static String strip(String s) {
        return rstrip(lstrip(s));
    }

    /** {@code s.lstrip()}: leading Python whitespace removed. */
    public static String lstrip(String s) {
        int start = 0;
        while (start < s.length() && isSpace(s.codePointAt(start))) start += Character.charCount(s.codePointAt(start));
        return s.substring(start);
    }

    /** {@code s.rstrip()}: trailing Python whitespace removed. */
    public static String rstrip(String s) {
        int end = s.length();
        while (end > 0 && isSpace(s.codePointBefore(end))) end -= Character.charCount(s.codePointBefore(end));
        return s.substring(0, end);
    }

    /** {@code s.lstrip(chars)}: the leading characters that occur in {@code chars} removed. */
    public static String lstrip(String s, String chars) {
        int start = 0;
        while (start < s.length() && chars.indexOf(s.charAt(start)) >= 0) start++;
        return s.substring(start);
    }

    /** {@code s.lower()} (Unicode, locale-independent, final sigma handled as Python does). */
    public static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    /** {@code str.capitalize()}: first character upper-cased (title case, as Python), the rest lower-cased. */
    public static String capitalize(String s) {
        if (s.isEmpty()) return s;
        int first = s.codePointAt(0);
        int n = Character.charCount(first);
        return new String(Character.toChars(Character.toTitleCase(first))) + lower(s.substring(n));
    }

    /** {@code re.findall(pattern, s)} for a pattern without groups: every non-overlapping match, in order. */
    public static List<String> findAll(Pattern pattern, String s) {
        List<String> out = new ArrayList<>();
        Matcher m = pattern.matcher(s);
        while (m.find()) out.add(m.group());
        return out;
    }

    /** The code points of a string (Python indexes strings by code point). */
    public static int[] codePoints(String s) {
        return s.codePoints().toArray();
    }
}
