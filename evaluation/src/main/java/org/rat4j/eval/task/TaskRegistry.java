package org.rat4j.eval.task;

import org.rat4j.config.ConfigException;
import org.rat4j.config.ConfigReader;
import org.rat4j.data.niah.NiahTask;
import org.rat4j.eval.EvalData;
import org.rat4j.eval.Task;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Names to tasks: the built-in task files (listed in {@code org/rat4j/eval/tasks/index.yaml}), the groups of that
 * index ({@code csr}, {@code longbench}, {@code ruler}), the generated tasks ({@code ppl}, {@code niah_*}) and task
 * files given by path ({@code my/task.yaml}).
 */
public final class TaskRegistry {
    private static final String RESOURCES = "/org/rat4j/eval/tasks/";

    /** A named set of tasks whose metric values are averaged. */
    public record Group(String name, String description, Map<String, String> members) {
    }

    /**
     * The settings of generated and file tasks that a run chooses.
     *
     * @param dataRoot     the evaluation data folder (built-in task paths resolve against it)
     * @param pplData      perplexity input: a token-shard directory or text files ({@code builtin:valid})
     * @param pplWindows   perplexity window lengths (0: the model's training length)
     * @param stride       perplexity stride (0: the window, i.e. non-overlapping windows)
     * @param niahLengths  NIAH context lengths (0: the model's training length)
     * @param niahSeed     NIAH sample seed
     * @param haystack     text inputs of the NIAH essay haystacks
     * @param longbenchDir the folder holding LongBench's {@code <task>.jsonl} files
     * @param maxLen       generation tasks' prompt + answer budget, 0 for each task's own
     * @param maxGen       generation tasks' answer budget, 0 for each task's own
     */
    public record Options(Path dataRoot, String pplData, List<Integer> pplWindows, int stride, List<Integer> niahLengths,
                          long niahSeed, String haystack, Path longbenchDir, int maxLen, int maxGen) {
        public Options {
            pplWindows = pplWindows.isEmpty() ? List.of(0) : List.copyOf(pplWindows);
            niahLengths = niahLengths.isEmpty() ? List.of(0) : List.copyOf(niahLengths);
        }

        /**
         * Defaults: built-in validation text, windows and NIAH lengths of the model, RULER's seed 42, LongBench data
         * expected in {@code longbench/data} of the data folder. {@code dataRoot} may be null when the evaluation data
         * folder is absent: the built-in file tasks then fail with {@link EvalData#root()}'s message.
         */
        public static Options defaults(Path dataRoot) {
            return new Options(dataRoot, "builtin:valid", List.of(), 0, List.of(), 42, "builtin:valid",
                    dataRoot == null ? null : dataRoot.resolve("longbench").resolve("data"), 0, 0);
        }
    }

    private final List<String> builtinTasks;
    private final Map<String, Group> groups;

    private TaskRegistry(List<String> builtinTasks, Map<String, Group> groups) {
        this.builtinTasks = builtinTasks;
        this.groups = groups;
    }

    /** The registry of the built-in tasks and groups. */
    @SuppressWarnings("unchecked")
    public static TaskRegistry builtin() {
        Map<String, Object> index = (Map<String, Object>) new Yaml(new SafeConstructor(new LoaderOptions())).load(resource("index.yaml"));
        List<String> tasks = new ArrayList<>((List<String>) index.get("tasks"));
        Map<String, Group> groups = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : ((Map<String, Object>) index.get("groups")).entrySet()) {
            Map<String, Object> g = (Map<String, Object>) e.getValue();
            Map<String, String> members = new LinkedHashMap<>();
            ((Map<String, Object>) g.get("tasks")).forEach((k, v) -> members.put(k, String.valueOf(v)));
            groups.put(e.getKey(), new Group(e.getKey(), String.valueOf(g.get("description")), members));
        }
        return new TaskRegistry(List.copyOf(tasks), groups);
    }

    public List<String> builtinTasks() {
        return builtinTasks;
    }

    public Map<String, Group> groups() {
        return groups;
    }

    /** The generated task names: {@code ppl} and the eight NIAH tasks. */
    public static List<String> generatedTasks() {
        List<String> out = new ArrayList<>(List.of("ppl"));
        for (NiahTask t : NiahTask.values()) out.add(t.taskName());
        return out;
    }

    /** Every name {@code --tasks} accepts, for help and suggestions. */
    public List<String> knownNames() {
        List<String> out = new ArrayList<>(groups.keySet());
        out.addAll(builtinTasks);
        out.addAll(generatedTasks());
        return out;
    }

    /** The groups a task list names (their averages go into the report). */
    public List<Group> groupsIn(String spec) {
        List<Group> out = new ArrayList<>();
        for (String name : names(spec)) if (groups.containsKey(name)) out.add(groups.get(name));
        return out;
    }

    /** The tasks of a comma-separated list of names, groups and task-file paths, each once, in order. */
    public List<Task> resolve(String spec, Options options) {
        Map<String, Task> out = new LinkedHashMap<>();
        for (String name : names(spec)) {
            if (groups.containsKey(name)) {
                for (String member : groups.get(name).members().keySet()) for (Task t : tasks(member, options)) out.putIfAbsent(t.name(), t);
            } else {
                for (Task t : tasks(name, options)) out.putIfAbsent(t.name(), t);
            }
        }
        if (out.isEmpty()) throw new ConfigException("no task given; use --tasks piqa,arc_easy,... (known: " + String.join(", ", knownNames()) + ")");
        return new ArrayList<>(out.values());
    }

    /** One built-in task by name (e.g. {@code piqa}) with default options. */
    public Task task(String name) {
        List<Task> t = tasks(name, Options.defaults(EvalData.root()));
        return t.get(0);
    }

    private static List<String> names(String spec) {
        Set<String> out = new LinkedHashSet<>();
        for (String part : spec.split(",")) if (!part.isBlank()) out.add(part.trim());
        return new ArrayList<>(out);
    }

    private List<Task> tasks(String name, Options o) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".yaml") || lower.endsWith(".yml")) return List.of(lengths(TaskFile.load(Path.of(name), vars(o)), o));
        if (lower.equals("ppl")) {
            List<Task> out = new ArrayList<>();
            for (int w : o.pplWindows()) out.add(new PerplexityTask(o.pplData(), "text", w, o.stride()));
            return out;
        }
        for (NiahTask t : NiahTask.values()) {
            if (t.taskName().equals(lower)) {
                List<Task> out = new ArrayList<>();
                for (int len : o.niahLengths()) out.add(new NiahEvalTask(t, len, o.niahSeed(), o.haystack()));
                return out;
            }
        }
        if (builtinTasks.contains(lower)) {
            Path root = o.dataRoot() != null ? o.dataRoot() : EvalData.root();
            return List.of(lengths(TaskFile.parse(resource(lower + ".yaml"), "built-in task " + lower, root, vars(o), null), o));
        }
        String near = ConfigReader.nearest(name, knownNames());
        throw new ConfigException("unknown task '" + name + "'" + (near == null ? "" : "; did you mean '" + near + "'?")
                + " Known tasks and groups: " + String.join(", ", knownNames()) + ", or a task file (.yaml)");
    }

    /** A generation task with the run's --max-len / --max-gen, any other task as it is. */
    private static Task lengths(Task t, Options o) {
        return t instanceof GenerationTask g && (o.maxLen() > 0 || o.maxGen() > 0) ? g.withLengths(o.maxLen(), o.maxGen()) : t;
    }

    /** The {@code ${name}} values of data paths: {@code longbench_dir} and {@code data} (the evaluation data folder). */
    private static Map<String, String> vars(Options o) {
        Map<String, String> v = new LinkedHashMap<>();
        if (o.longbenchDir() != null) v.put("longbench_dir", o.longbenchDir().toString());
        if (o.dataRoot() != null) v.put("data", o.dataRoot().toString());
        return v;
    }

    private static String resource(String name) {
        try (InputStream in = TaskRegistry.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) throw new IllegalStateException("missing resource " + RESOURCES + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
