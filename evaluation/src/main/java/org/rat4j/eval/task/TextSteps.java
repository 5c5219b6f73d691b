package org.rat4j.eval.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.rat4j.config.ConfigException;
import org.rat4j.eval.metrics.PyText;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A list of text transformations from a task file ({@code derive:} fields and {@code postprocess:}), applied in
 * order. Each step is a name or a one-key mapping:
 * <pre>
 *   strip | lstrip | rstrip | lstrip_newlines | capitalize | capitalize_last_fragment
 *   {before: "_"} | {after: "_"} | {before_last: " "} | {after_last: " "} | {cut_at: "\nQuestion"}
 *   {replace: [" [title]", ". "]} | {regex_replace: ['\[.*?\]', ""]}
 * </pre>
 * Nested lists are flattened, so a YAML anchor holding a list of steps can be reused inside another list.
 */
public final class TextSteps {
    private static final Pattern SENTENCE_END = Pattern.compile("[.!?]");

    private final List<UnaryOperator<String>> steps;
    private final List<String> names;

    private TextSteps(List<UnaryOperator<String>> steps, List<String> names) {
        this.steps = steps;
        this.names = names;
    }

    public String apply(String text) {
        String s = text;
        for (UnaryOperator<String> step : steps) s = step.apply(s);
        return s;
    }

    public List<String> names() {
        return names;
    }

    /** Parses a step list (null: no steps). */
    public static TextSteps parse(Object spec, String where) {
        List<UnaryOperator<String>> steps = new ArrayList<>();
        List<String> names = new ArrayList<>();
        if (spec != null) add(spec, where, steps, names);
        return new TextSteps(List.copyOf(steps), List.copyOf(names));
    }

    private static void add(Object spec, String where, List<UnaryOperator<String>> steps, List<String> names) {
        if (spec instanceof List<?> list) {
            for (Object o : list) add(o, where, steps, names);
            return;
        }
        if (spec instanceof String name) {
            steps.add(named(name, where));
            names.add(name);
            return;
        }
        if (spec instanceof Map<?, ?> map && map.size() == 1) {
            Map.Entry<?, ?> e = map.entrySet().iterator().next();
            String name = String.valueOf(e.getKey());
            steps.add(withArgument(name, e.getValue(), where));
            names.add(name);
            return;
        }
        throw new ConfigException(where + ": a step is a name (e.g. strip) or a one-key mapping (e.g. {before: \"_\"}), got " + spec);
    }

    private static UnaryOperator<String> named(String name, String where) {
        return switch (name) {
            case "strip" -> PyText::strip;
            case "lstrip" -> PyText::lstrip;
            case "rstrip" -> PyText::rstrip;
            case "lstrip_newlines" -> s -> PyText.lstrip(s, "\n");
            case "capitalize" -> PyText::capitalize;
            case "capitalize_last_fragment" -> TextSteps::capitalizeLastFragment;
            default -> throw new ConfigException(where + ": unknown step '" + name + "'; steps without an argument: strip, lstrip, "
                    + "rstrip, lstrip_newlines, capitalize, capitalize_last_fragment");
        };
    }

    private static UnaryOperator<String> withArgument(String name, Object arg, String where) {
        return switch (name) {
            case "before" -> s -> s.substring(0, find(s, text(arg, name, where), false, where));
            case "after" -> {
                String sep = text(arg, name, where);
                yield s -> s.substring(find(s, sep, false, where) + sep.length());
            }
            case "before_last" -> s -> s.substring(0, find(s, text(arg, name, where), true, where));
            case "after_last" -> {
                String sep = text(arg, name, where);
                yield s -> s.substring(find(s, sep, true, where) + sep.length());
            }
            case "cut_at" -> {
                String sep = text(arg, name, where);
                yield s -> {
                    int at = s.indexOf(sep);
                    return at < 0 ? s : s.substring(0, at);
                };
            }
            case "replace" -> {
                List<String> ab = pair(arg, name, where);
                yield s -> s.replace(ab.get(0), ab.get(1));
            }
            case "regex_replace" -> {
                List<String> ab = pair(arg, name, where);
                Pattern p;
                try {
                    p = Pattern.compile(ab.get(0));
                } catch (PatternSyntaxException e) {
                    throw new ConfigException(where + ": bad regex_replace pattern '" + ab.get(0) + "': " + e.getDescription());
                }
                String repl = Matcher.quoteReplacement(ab.get(1));
                yield s -> p.matcher(s).replaceAll(repl);
            }
            default -> throw new ConfigException(where + ": unknown step '" + name + "'; steps with an argument: before, after, "
                    + "before_last, after_last, cut_at, replace, regex_replace");
        };
    }

    /** Index of the first (or last) occurrence, as Python's {@code str.index}: an error when absent. */
    private static int find(String s, String sep, boolean last, String where) {
        int at = last ? s.lastIndexOf(sep) : s.indexOf(sep);
        if (at < 0) throw new ConfigException(where + ": the text \"" + abbreviate(s) + "\" does not contain \"" + sep + "\"");
        return at;
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }

    private static String text(Object arg, String name, String where) {
        if (arg instanceof String s && !s.isEmpty()) return s;
        throw new ConfigException(where + ": step '" + name + "' takes a non-empty text, got " + arg);
    }

    private static List<String> pair(Object arg, String name, String where) {
        if (arg instanceof List<?> l && l.size() == 2 && l.get(0) instanceof String a && l.get(1) instanceof String b) {
            return List.of(a, b);
        }
        throw new ConfigException(where + ": step '" + name + "' takes two texts, e.g. {" + name + ": [\"a\", \"b\"]}, got " + arg);
    }

    /**
     * HellaSwag's approximation of lm-eval's {@code ctx_b.capitalize()} on a context that lost the ctx_a/ctx_b
     * boundary: when the text after the last {@code . ! ?} (the fragment, ctx_b) starts with a lower-case letter, that
     * fragment is Python-capitalized; otherwise the text is unchanged.
     */
    static String capitalizeLastFragment(String s) {
        Matcher m = SENTENCE_END.matcher(s);
        int last = -1;
        while (m.find()) last = m.end();
        if (last < 0) return s;
        int start = last;
        while (start < s.length() && PyText.isSpace(s.charAt(start))) start++;
        if (start >= s.length() || !Character.isLowerCase(s.codePointAt(start))) return s;
        return s.substring(0, start) + PyText.capitalize(s.substring(start));
    }

    /** Applies a step list to a field or a list field joined by a template ({@code derive:} entries). */
    static String joinList(JsonNode list, Template each, String separator, String where) {
        if (list == null || !list.isArray()) throw new ConfigException(where + ": 'join' needs a list field");
        List<String> parts = new ArrayList<>();
        for (JsonNode n : list) {
            if (!(n instanceof ObjectNode o)) throw new ConfigException(where + ": 'join' needs a list of objects");
            parts.add(each.render(o, where));
        }
        return String.join(separator, parts);
    }
}
