package org.rat4j.eval.task;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.rat4j.config.ConfigException;
import org.rat4j.eval.Task;
import org.rat4j.eval.metrics.GenerationMetric;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a task file (YAML) into a {@link Task}. The format, with every key, is in docs/evaluation.md; in short:
 * <pre>
 *   name: piqa
 *   type: multiple_choice            # multiple_choice | loglikelihood | generate
 *   data: {path: piqa/valid.jsonl, labels: piqa/valid-labels.lst}
 *   derive: {...}                    # optional computed fields
 *   context: "Question: {goal}\nAnswer:"
 *   choices: ["{sol1}", "{sol2}"]
 *   gold: "{label}"
 *   metrics: [acc, acc_norm]
 * </pre>
 * A scalar may also be read from a JSON file of the data folder, as {@code {json: FILE, key: KEY}} (the LongBench
 * tasks take their prompts and max_gen from LongBench's own config files this way).
 */
public final class TaskFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TaskFile() {
    }

    /** Reads a task file from disk; relative data paths resolve against its folder. */
    public static Task load(Path file, Map<String, String> vars) {
        if (!Files.isRegularFile(file)) throw new ConfigException("task file " + file + " does not exist");
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("cannot read task file " + file + ": " + e.getMessage(), e);
        }
        Path dir = file.toAbsolutePath().getParent();
        return parse(text, file.toString(), dir, vars, null);
    }

    /**
     * Parses task-file text.
     *
     * @param base paths in the file resolve against this folder
     * @param hint added to the error when a data file is missing (how to get it), or null
     */
    @SuppressWarnings("unchecked")
    public static Task parse(String text, String source, Path base, Map<String, String> vars, String hint) {
        Object tree;
        try {
            tree = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
        } catch (org.yaml.snakeyaml.error.YAMLException e) {
            throw new ConfigException("invalid YAML in task file " + source + ": " + e.getMessage(), e);
        }
        if (!(tree instanceof Map)) throw new ConfigException("task file " + source + " must hold a mapping (name:, type:, data:, ...)");
        TaskFileReader r = new TaskFileReader(source, (Map<String, Object>) tree);
        String name = r.requireString("name");
        String where = "task " + name + " (" + source + ")";
        String type = r.requireString("type").toLowerCase(Locale.ROOT);
        boolean generate = type.equals("generate");
        FileTask.Common common = new FileTask.Common(name, r.string("description", ""),
                TaskData.read(r.mapping("data"), base, vars, where), FileTask.readDerived(r.mapping("derive"), where),
                r.bool("bos", !generate), r.string("missing_data_hint", hint));
        Task task = switch (type) {
            case "multiple_choice" -> multipleChoice(r, common, where);
            case "loglikelihood" -> loglikelihood(r, common, where);
            case "generate" -> generation(r, common, base, where);
            default -> throw new ConfigException(where + ": unknown type '" + type + "'; use multiple_choice, loglikelihood or generate");
        };
        r.finish();
        return task;
    }

    private static Task multipleChoice(TaskFileReader r, FileTask.Common common, String where) {
        List<Template> contexts = templates(r, "context", where);
        List<Template> choices = templates(r, "choices", where);
        String delimiter = r.string("target_delimiter", " ");
        Map<String, Object> mapSpec = r.mapping("gold_map");
        Map<String, Integer> map = null;
        if (mapSpec != null) {
            map = new java.util.LinkedHashMap<>();
            for (Map.Entry<String, Object> e : mapSpec.entrySet()) {
                if (!(e.getValue() instanceof Integer i)) throw new ConfigException(where + ": gold_map values must be choice indices");
                map.put(e.getKey(), i);
            }
        }
        String among = r.string("gold_in", null);
        Gold gold = new Gold(Template.parse(r.requireString("gold"), where + ".gold"), map,
                among == null ? null : Template.parse(among, where + ".gold_in"));
        List<String> metrics = metrics(r, MultipleChoiceTask.METRICS, List.of("acc", "acc_norm"), where);
        return new MultipleChoiceTask(common, contexts, choices, delimiter, gold, metrics, primary(r, metrics, where));
    }

    private static Task loglikelihood(TaskFileReader r, FileTask.Common common, String where) {
        Template context = Template.parse(r.requireString("context"), where + ".context");
        Template continuation = Template.parse(r.requireString("continuation"), where + ".continuation");
        List<String> metrics = metrics(r, LoglikelihoodTask.METRICS, List.of("acc", "perplexity"), where);
        return new LoglikelihoodTask(common, context, continuation, metrics, primary(r, metrics, where));
    }

    private static Task generation(TaskFileReader r, FileTask.Common common, Path base, String where) {
        Template prompt = Template.parse(scalar(r, "prompt", base, where), where + ".prompt");
        List<Template> answers = templates(r, "answers", where);
        if (answers.size() != 1) throw new ConfigException(where + ".answers must be one template, e.g. \"{answers[*]}\"");
        String classes = r.string("classes", null);
        int maxGen = Integer.parseInt(scalar(r, "max_gen", base, where).trim());
        int maxLen = r.integer("max_len", 4096);
        GenerationMetric metric = GenerationMetric.parse(r.requireString("metric"), where);
        TextSteps post = TextSteps.parse(r.raw("postprocess"), where + ".postprocess");
        if (metric == GenerationMetric.CLASSIFICATION && classes == null) {
            throw new ConfigException(where + ": the classification metric needs 'classes' (e.g. \"{all_classes[*]}\")");
        }
        return new GenerationTask(common, prompt, answers.get(0), classes == null ? null : Template.parse(classes, where + ".classes"),
                maxGen, maxLen, metric, post);
    }

    /** One template or a YAML list of templates. */
    private static List<Template> templates(TaskFileReader r, String key, String where) {
        Object v = r.raw(key);
        if (v == null) throw new ConfigException(where + ": missing '" + key + "'");
        List<Template> out = new ArrayList<>();
        if (v instanceof List<?> list) {
            for (Object o : list) out.add(Template.parse(String.valueOf(o), where + "." + key));
        } else {
            out.add(Template.parse(String.valueOf(v), where + "." + key));
        }
        if (out.isEmpty()) throw new ConfigException(where + "." + key + " is an empty list");
        return out;
    }

    private static List<String> metrics(TaskFileReader r, List<String> allowed, List<String> def, String where) {
        List<String> m = r.has("metrics") ? r.stringList("metrics") : def;
        for (String s : m) {
            if (!allowed.contains(s)) throw new ConfigException(where + ": unknown metric '" + s + "' for this type; use " + allowed);
        }
        if (m.isEmpty()) throw new ConfigException(where + ": 'metrics' is empty");
        return List.copyOf(m);
    }

    private static String primary(TaskFileReader r, List<String> metrics, String where) {
        String p = r.string("primary", metrics.get(0));
        if (!metrics.contains(p)) throw new ConfigException(where + ": primary metric '" + p + "' is not among " + metrics);
        return p;
    }

    /** A scalar, or {@code {json: FILE, key: KEY}}: the value under KEY in a JSON object file (relative to base). */
    @SuppressWarnings("unchecked")
    private static String scalar(TaskFileReader r, String key, Path base, String where) {
        Object v = r.raw(key);
        if (v == null) throw new ConfigException(where + ": missing '" + key + "'");
        if (!(v instanceof Map)) return v.toString();
        TaskFileReader ref = new TaskFileReader(where + "." + key, (Map<String, Object>) v);
        Path file = base.resolve(ref.requireString("json"));
        String k = ref.requireString("key");
        ref.finish();
        JsonNode tree;
        try {
            tree = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new ConfigException(where + "." + key + ": cannot read " + file + " (" + e.getMessage() + ")");
        }
        JsonNode value = tree.get(k);
        if (value == null) throw new ConfigException(where + "." + key + ": " + file + " has no key '" + k + "'");
        return value.asText();
    }
}
