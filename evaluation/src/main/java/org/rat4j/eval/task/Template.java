package org.rat4j.eval.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.rat4j.config.ConfigException;

import java.util.ArrayList;
import java.util.List;

/**
 * A task-file text template: literal text with {@code {path}} placeholders that read a record's fields, as Python's
 * {@code str.format} does ({@code {{} and {@code }}} are literal braces). A path is dotted field names with
 * optional list indices: {@code goal}, {@code question.stem}, {@code choices[0].text}. A template that is exactly
 * one placeholder with a {@code [*]} step, e.g. {@code {question.choices[*].text}}, renders as a list.
 */
public final class Template {
    private final String source;
    private final List<Object> parts = new ArrayList<>();   // String literals and Path placeholders

    /** One parsed placeholder path: field names and indices, -1 for {@code [*]}. */
    record Path(String text, List<Object> steps) {
        boolean isList() {
            return steps.contains(-1);
        }
    }

    private Template(String source, String where) {
        this.source = source;
        StringBuilder lit = new StringBuilder();
        int i = 0;
        while (i < source.length()) {
            char c = source.charAt(i);
            if (c == '{' && i + 1 < source.length() && source.charAt(i + 1) == '{') {
                lit.append('{');
                i += 2;
            } else if (c == '}' && i + 1 < source.length() && source.charAt(i + 1) == '}') {
                lit.append('}');
                i += 2;
            } else if (c == '{') {
                int end = source.indexOf('}', i);
                if (end < 0) throw new ConfigException(where + ": unclosed '{' in template \"" + source + "\" (write {{ for a literal brace)");
                if (lit.length() > 0) {
                    parts.add(lit.toString());
                    lit.setLength(0);
                }
                parts.add(parsePath(source.substring(i + 1, end).trim(), where));
                i = end + 1;
            } else if (c == '}') {
                throw new ConfigException(where + ": unmatched '}' in template \"" + source + "\" (write }} for a literal brace)");
            } else {
                lit.append(c);
                i++;
            }
        }
        if (lit.length() > 0) parts.add(lit.toString());
        for (Object p : parts) {
            if (p instanceof Path path && path.isList() && parts.size() != 1) {
                throw new ConfigException(where + ": the list placeholder {" + path.text() + "} must be the whole template");
            }
        }
    }

    public static Template parse(String source, String where) {
        return new Template(source, where);
    }

    /** Whether the template renders a list ({@code {a[*].b}}). */
    public boolean isList() {
        return parts.size() == 1 && parts.get(0) instanceof Path p && p.isList();
    }

    /** The text of the template for one record. */
    public String render(ObjectNode record, String where) {
        if (isList()) throw new ConfigException(where + ": template \"" + source + "\" is a list, not one text");
        StringBuilder sb = new StringBuilder();
        for (Object p : parts) {
            if (p instanceof String s) sb.append(s);
            else sb.append(text(resolve(record, (Path) p, where).get(0), (Path) p, where));
        }
        return sb.toString();
    }

    /** The list a list template names, or the one text of a plain template as a one-element list. */
    public List<String> renderList(ObjectNode record, String where) {
        if (!isList()) return List.of(render(record, where));
        Path path = (Path) parts.get(0);
        List<String> out = new ArrayList<>();
        for (JsonNode n : resolve(record, path, where)) out.add(text(n, path, where));
        return out;
    }

    private static String text(JsonNode n, Path path, String where) {
        if (n.isTextual() || n.isNumber() || n.isBoolean()) return n.asText();
        throw new ConfigException(where + ": {" + path.text() + "} is " + n.getNodeType().toString().toLowerCase()
                + ", not a text or a number");
    }

    /** The nodes a path reaches: one, or several through {@code [*]}. */
    private static List<JsonNode> resolve(ObjectNode record, Path path, String where) {
        List<JsonNode> current = List.of(record);
        for (Object step : path.steps()) {
            List<JsonNode> next = new ArrayList<>();
            for (JsonNode n : current) {
                if (step instanceof String field) {
                    JsonNode child = n.get(field);
                    if (child == null || child.isNull()) {
                        List<String> names = new ArrayList<>();
                        n.fieldNames().forEachRemaining(names::add);
                        throw new ConfigException(where + ": no field '" + field + "' for {" + path.text() + "} (fields here: " + names + ")");
                    }
                    next.add(child);
                } else {
                    int index = (Integer) step;
                    if (!(n instanceof ArrayNode arr)) {
                        throw new ConfigException(where + ": {" + path.text() + "} indexes something that is not a list");
                    }
                    if (index == -1) {
                        arr.forEach(next::add);
                    } else {
                        if (index >= arr.size()) {
                            throw new ConfigException(where + ": {" + path.text() + "} index " + index + " is past the list's " + arr.size() + " entries");
                        }
                        next.add(arr.get(index));
                    }
                }
            }
            current = next;
        }
        return current;
    }

    static Path parsePath(String text, String where) {
        List<Object> steps = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '.') {
                i++;
            } else if (c == '[') {
                int end = text.indexOf(']', i);
                if (end < 0) throw new ConfigException(where + ": unclosed '[' in {" + text + "}");
                String idx = text.substring(i + 1, end).trim();
                if (idx.equals("*")) {
                    steps.add(-1);
                } else {
                    try {
                        steps.add(Integer.parseInt(idx));
                    } catch (NumberFormatException e) {
                        throw new ConfigException(where + ": '[" + idx + "]' in {" + text + "} must be a list index or *");
                    }
                }
                i = end + 1;
            } else {
                int end = i;
                while (end < text.length() && text.charAt(end) != '.' && text.charAt(end) != '[') end++;
                steps.add(text.substring(i, end));
                i = end;
            }
        }
        if (steps.isEmpty()) throw new ConfigException(where + ": empty placeholder {} in a template");
        return new Path(text, steps);
    }

    @Override
    public String toString() {
        return source;
    }
}
