package org.rat4j.eval.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.rat4j.config.ConfigException;
import org.rat4j.data.text.JsonlLines;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * The {@code data:} section of a task file: where the items are and how to read them.
 * <pre>
 *   data:
 *     path: piqa/valid.jsonl          # JSONL (one object per line) or a text file of fixed-size line records;
 *                                     # .gz and .bz2 are read compressed
 *     format: jsonl | lines           # default: jsonl for .jsonl/.json, else lines
 *     fields: [query, label, e0, ...] # lines: one field name per line of a record
 *     labels: piqa/valid-labels.lst   # optional: a file of one value per line, aligned with the items
 *     labels_field: label             # the field the labels go to (default label)
 *     explode: [general_query_list]   # optional: one item per element of these list fields, the element as {item}
 * </pre>
 * Relative paths resolve against the task's base directory (the evaluation data folder for built-in tasks, the
 * task file's folder for others); {@code ${name}} in a path is replaced from the run's path variables.
 */
public record TaskData(Path path, String format, List<String> fields, Path labels, String labelsField, List<String> explode) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public TaskData {
        fields = List.copyOf(fields);
        explode = List.copyOf(explode);
    }

    /** Reads the section; {@code vars} fills {@code ${name}} in paths. */
    static TaskData read(Map<String, Object> data, Path base, Map<String, String> vars, String where) {
        if (data == null) throw new ConfigException(where + ": missing 'data:' section (data.path names the items file)");
        TaskFileReader r = new TaskFileReader(where + ".data", data);
        Path path = resolve(base, r.requireString("path"), vars, where);
        String format = r.string("format", defaultFormat(path));
        if (!format.equals("jsonl") && !format.equals("lines")) {
            throw new ConfigException(where + ".data.format must be jsonl or lines, got '" + format + "'");
        }
        List<String> fields = r.stringList("fields");
        if (format.equals("lines") && fields.isEmpty()) {
            throw new ConfigException(where + ".data.fields must name the lines of each record for format 'lines'");
        }
        Path labels = r.has("labels") ? resolve(base, r.requireString("labels"), vars, where) : null;
        String labelsField = r.string("labels_field", "label");
        List<String> explode = r.stringList("explode");
        r.finish();
        return new TaskData(path, format, fields, labels, labelsField, explode);
    }

    private static String defaultFormat(Path path) {
        String name = path.getFileName().toString().replaceAll("\\.(gz|bz2)$", "");
        return name.endsWith(".jsonl") || name.endsWith(".json") ? "jsonl" : "lines";
    }

    private static Path resolve(Path base, String text, Map<String, String> vars, String where) {
        String s = text;
        for (Map.Entry<String, String> v : vars.entrySet()) s = s.replace("${" + v.getKey() + "}", v.getValue());
        if (s.contains("${")) {
            throw new ConfigException(where + ": data path '" + text + "' names an unset variable; known variables: " + vars.keySet());
        }
        Path p = Path.of(s);
        return p.isAbsolute() ? p : base.resolve(p).normalize();
    }

    /** Fails with one line naming the file when an input is missing. */
    void check(String task, String hint) {
        for (Path p : labels == null ? List.of(path) : List.of(path, labels)) {
            if (!Files.isRegularFile(p)) {
                throw new ConfigException("task " + task + ": data file " + p + " does not exist" + (hint == null ? "" : "; " + hint));
            }
        }
    }

    /** The items, in file order (exploded when asked); at most {@code limit} of them when limit > 0. */
    List<ObjectNode> load(String task, String hint, int limit) {
        check(task, hint);
        try {
            List<ObjectNode> records = format.equals("jsonl") ? readJsonl() : readLines();
            if (labels != null) addLabels(records);
            List<ObjectNode> items = explode.isEmpty() ? records : explodeAll(records);
            return limit > 0 && items.size() > limit ? new ArrayList<>(items.subList(0, limit)) : items;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path, e);
        }
    }

    private static InputStream open(Path p) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(p), 1 << 16);
        String name = p.getFileName().toString();
        if (name.endsWith(".bz2")) return new BZip2CompressorInputStream(in, true);
        if (name.endsWith(".gz")) return new GZIPInputStream(in, 1 << 16);
        return in;
    }

    private List<ObjectNode> readJsonl() throws IOException {
        List<ObjectNode> out = new ArrayList<>();
        try (InputStream in = open(path)) {
            JsonlLines lines = new JsonlLines(in, path);
            for (JsonlLines.Line l = lines.next(); l != null; l = lines.next()) out.add(l.object());
        }
        return out;
    }

    private List<ObjectNode> readLines() throws IOException {
        List<String> lines = textLines(path);
        if (lines.size() % fields.size() != 0) {
            throw new ConfigException(path + " has " + lines.size() + " lines, not a multiple of the " + fields.size()
                    + " lines per record that data.fields names");
        }
        List<ObjectNode> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i += fields.size()) {
            ObjectNode o = JSON.createObjectNode();
            for (int f = 0; f < fields.size(); f++) o.put(fields.get(f), lines.get(i + f));
            out.add(o);
        }
        return out;
    }

    /** The lines of a text file split at {@code \n} only (a {@code \r} inside a line stays), trailing empty lines dropped. */
    private static List<String> textLines(Path p) throws IOException {
        String text;
        try (InputStream in = open(p)) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) lines.remove(lines.size() - 1);
        return lines;
    }

    private void addLabels(List<ObjectNode> records) throws IOException {
        List<String> values = textLines(labels);
        if (values.size() != records.size()) {
            throw new ConfigException(labels + " has " + values.size() + " lines but " + path + " has " + records.size()
                    + " items; the two files must be aligned line by line");
        }
        for (int i = 0; i < records.size(); i++) records.get(i).put(labelsField, values.get(i).trim());
    }

    private List<ObjectNode> explodeAll(List<ObjectNode> records) {
        List<ObjectNode> out = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            for (String field : explode) {
                JsonNode list = records.get(i).get(field);
                if (!(list instanceof ArrayNode arr)) {
                    throw new ConfigException(path + " item " + (i + 1) + ": data.explode field '" + field + "' is not a list");
                }
                for (JsonNode element : arr) {
                    ObjectNode o = records.get(i).deepCopy();
                    o.set("item", element);
                    out.add(o);
                }
            }
        }
        return out;
    }
}
