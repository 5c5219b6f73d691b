package org.rat4j.train.config;

import org.rat4j.config.ConfigException;
import org.rat4j.config.ConfigReader;
import org.rat4j.model.ModelConfig;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Composes an experiment config the way Hydra does, without Hydra:
 * <ol>
 *   <li>the experiment file's {@code defaults:} list names one file per config group, e.g.
 *       {@code - model: tiny-rat} is {@code <root>/model/tiny-rat.yaml}; the files are merged in list order
 *       (a group file may have a {@code defaults:} list of its own);</li>
 *   <li>the experiment file itself is merged on top ({@code _self_} in the list puts it elsewhere);</li>
 *   <li>command-line overrides come last: {@code group=name} swaps a group's file (e.g. {@code model=tiny-attention}),
 *       {@code a.b.c=value} sets one key (the value is read as YAML: {@code 64}, {@code 1e-3}, {@code true},
 *       {@code [16, 64]}, {@code null}), {@code ~a.b.c} deletes one.</li>
 * </ol>
 * Merging is deep for mappings; any other value replaces the earlier one. The root is the directory holding the
 * group directories: the experiment file's grandparent ({@code configs/experiment/x.yaml} → {@code configs/}).
 * Unknown keys are caught later, by the section readers ({@link ConfigReader#finish()}).
 */
public final class ConfigComposer {
    private final Path root;

    public ConfigComposer(Path root) {
        this.root = root;
    }

    /** The config root of an experiment file: its grandparent when that holds group directories, else its parent. */
    public static Path rootOf(Path experimentFile) {
        Path dir = experimentFile.toAbsolutePath().normalize().getParent();
        Path up = dir.getParent();
        if (up != null && Files.isDirectory(up.resolve("model"))) return up;
        return dir;
    }

    /**
     * Finds the experiment file for {@code --config}: a path, or a bare name looked up in {@code configs/experiment/}
     * of the working directory and of {@code RAT4J_HOME}.
     */
    public static Path locate(String spec) {
        Path p = Path.of(spec);
        if (Files.isRegularFile(p)) return p;
        List<Path> tried = new ArrayList<>();
        tried.add(p);
        if (!spec.contains("/") && !spec.contains(java.io.File.separator)) {
            String file = spec.endsWith(".yaml") || spec.endsWith(".yml") ? spec : spec + ".yaml";
            for (Path h : homes()) {
                Path c = h.resolve("configs").resolve("experiment").resolve(file);
                tried.add(c);
                if (Files.isRegularFile(c)) return c;
            }
        }
        throw new ConfigException("config file not found: " + spec + " (looked at " + tried.stream().map(Path::toString)
                .collect(Collectors.joining(", ")) + ")" + suggestion(spec));
    }

    /** Where {@code configs/} is looked for: the working directory and its parents, then {@code RAT4J_HOME}. */
    private static List<Path> homes() {
        List<Path> homes = new ArrayList<>();
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) homes.add(d);
        String env = System.getenv("RAT4J_HOME");
        if (env != null && !env.isBlank()) homes.add(Path.of(env));
        return homes;
    }

    private static String suggestion(String spec) {
        Path dir = null;
        for (Path h : homes()) {
            if (Files.isDirectory(h.resolve("configs").resolve("experiment"))) {
                dir = h.resolve("configs").resolve("experiment");
                break;
            }
        }
        if (dir == null) return "";
        try (Stream<Path> s = Files.list(dir)) {
            List<String> names = s.map(x -> x.getFileName().toString()).filter(n -> n.endsWith(".yaml"))
                    .map(n -> n.substring(0, n.length() - 5)).sorted().toList();
            String base = Path.of(spec).getFileName().toString().replaceFirst("\\.ya?ml$", "");
            String near = ConfigReader.nearest(base, names);
            return (near == null ? "" : "; did you mean " + dir.resolve(near + ".yaml") + "?") + " Available: " + names;
        } catch (java.io.IOException e) {
            return "";
        }
    }

    /** Composes an experiment file with overrides into one tree (the {@code defaults} key removed). */
    public Map<String, Object> compose(Path experimentFile, List<String> overrides) {
        usedGroups.clear();
        Map<String, String> groupChoices = new LinkedHashMap<>();
        List<String> keyOverrides = new ArrayList<>();
        for (String o : overrides) {
            String s = o.trim();
            if (s.isEmpty()) continue;
            if (s.startsWith("~")) {
                keyOverrides.add(s);
                continue;
            }
            int eq = s.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("override '" + o + "' must look like key=value (e.g. train.steps=100, "
                        + "model.backbone.seq_cell.chunk_size=64), group=name (e.g. model=tiny-attention) or ~key to delete");
            }
            String key = s.substring(0, eq).trim();
            if (key.startsWith("+")) key = key.substring(1);
            if (!key.contains(".") && Files.isDirectory(root.resolve(key))) {
                groupChoices.put(key, s.substring(eq + 1).trim());
            } else {
                keyOverrides.add(key + "=" + s.substring(eq + 1));
            }
        }
        Map<String, Object> tree = loadComposed(experimentFile, groupChoices, new ArrayDeque<>());
        for (Map.Entry<String, String> g : groupChoices.entrySet()) {
            if (!usedGroups.contains(g.getKey())) {
                // A group the experiment did not list: add its file on top.
                merge(tree, loadComposed(groupFile(g.getKey(), g.getValue()), Map.of(), new ArrayDeque<>()));
            }
        }
        for (String o : keyOverrides) applyOverride(tree, o);
        return tree;
    }

    private final Set<String> usedGroups = new HashSet<>();

    private Path groupFile(String group, String name) {
        Path dir = root.resolve(group);
        if (!Files.isDirectory(dir)) {
            throw new ConfigException("unknown config group '" + group + "': no directory " + dir + nearestDir(group));
        }
        Path f = dir.resolve(name.endsWith(".yaml") ? name : name + ".yaml");
        if (!Files.isRegularFile(f)) {
            List<String> names = listNames(dir);
            String near = ConfigReader.nearest(name, names);
            throw new ConfigException("no config '" + name + "' in group '" + group + "' (" + f + ")"
                    + (near == null ? "" : "; did you mean '" + near + "'?") + " Available: " + names);
        }
        return f;
    }

    private String nearestDir(String group) {
        List<String> dirs = new ArrayList<>();
        try (Stream<Path> s = Files.list(root)) {
            s.filter(Files::isDirectory).forEach(p -> dirs.add(p.getFileName().toString()));
        } catch (java.io.IOException ignored) {
            // no suggestion
        }
        String near = ConfigReader.nearest(group, dirs);
        return near == null ? "" : "; did you mean '" + near + "'?";
    }

    private static List<String> listNames(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(x -> x.getFileName().toString()).filter(n -> n.endsWith(".yaml"))
                    .map(n -> n.substring(0, n.length() - 5)).sorted().toList();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }

    /**
     * Loads a file with its defaults. {@code choices} are group selections made further out (the command line, or an
     * experiment that includes this one): they win over this file's own entries, which is how
     * {@code defaults: [{experiment: tiny-rat}, {model: tiny-attention}]} swaps tiny-rat's model. Groups loaded are
     * added to {@code applied}, and an entry for a group already loaded by an earlier entry is skipped.
     */
    private Map<String, Object> loadComposed(Path file, Map<String, String> choices, Deque<Path> stack) {
        return loadComposed(file, choices, stack, new HashSet<>());
    }

    private Map<String, Object> loadComposed(Path file, Map<String, String> choices, Deque<Path> stack, Set<String> applied) {
        Path norm = file.toAbsolutePath().normalize();
        if (stack.contains(norm)) throw new ConfigException("config defaults form a cycle: " + stack + " -> " + norm);
        stack.push(norm);
        Map<String, Object> self = ModelConfig.loadYaml(file);
        Object defaults = self.remove("defaults");
        Map<String, Object> out = new LinkedHashMap<>();
        boolean selfMerged = false;
        if (defaults != null) {
            if (!(defaults instanceof List<?> list)) {
                throw new ConfigException("'defaults' in " + file + " must be a list such as [{model: tiny-rat}, {optim: adamw}]");
            }
            List<Map.Entry<String, String>> entries = new ArrayList<>();
            for (Object entry : list) {
                if ("_self_".equals(entry)) {
                    entries.add(null);
                    continue;
                }
                if (!(entry instanceof Map<?, ?> m) || m.size() != 1) {
                    throw new ConfigException("each entry of 'defaults' in " + file + " must be one 'group: name' pair or _self_, got '"
                            + entry + "'");
                }
                Map.Entry<?, ?> e = m.entrySet().iterator().next();
                entries.add(new AbstractMap.SimpleEntry<>(String.valueOf(e.getKey()), e.getValue() == null ? null : String.valueOf(e.getValue())));
            }
            Map<String, String> local = new LinkedHashMap<>(choices);
            for (Map.Entry<String, String> e : entries) if (e != null) local.putIfAbsent(e.getKey(), e.getValue());
            for (Map.Entry<String, String> e : entries) {
                if (e == null) {
                    merge(out, deepCopy(self));
                    selfMerged = true;
                    continue;
                }
                String group = e.getKey();
                usedGroups.add(group);
                if (applied.contains(group)) continue;                  // already loaded, with this choice, by an earlier entry
                String name = local.get(group);
                if (name == null || name.equals("null")) continue;
                Map<String, String> inner = new LinkedHashMap<>(local);
                inner.remove(group);                                     // a group file may extend another of its group
                merge(out, loadComposed(groupFile(group, name), inner, stack, applied));
                applied.add(group);
            }
        }
        if (!selfMerged) merge(out, self);
        stack.pop();
        return out;
    }

    /** Deep merge of {@code over} into {@code base}. */
    @SuppressWarnings("unchecked")
    public static void merge(Map<String, Object> base, Map<String, Object> over) {
        for (Map.Entry<String, Object> e : over.entrySet()) {
            Object old = base.get(e.getKey());
            if (old instanceof Map && e.getValue() instanceof Map) {
                Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) old);
                merge(copy, (Map<String, Object>) e.getValue());
                base.put(e.getKey(), copy);
            } else {
                base.put(e.getKey(), deepCopyValue(e.getValue()));
            }
        }
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> deepCopy(Map<String, Object> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : m.entrySet()) out.put(e.getKey(), deepCopyValue(e.getValue()));
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Object deepCopyValue(Object v) {
        if (v instanceof Map) return deepCopy((Map<String, Object>) v);
        if (v instanceof List<?> l) return new ArrayList<>(l.stream().map(ConfigComposer::deepCopyValue).toList());
        return v;
    }

    /** Applies one {@code a.b.c=value} or {@code ~a.b.c} override to a tree. */
    @SuppressWarnings("unchecked")
    public static void applyOverride(Map<String, Object> tree, String override) {
        boolean delete = override.startsWith("~");
        String body = delete ? override.substring(1) : override;
        int eq = body.indexOf('=');
        String key = (eq < 0 ? body : body.substring(0, eq)).trim();
        if (key.startsWith("+")) key = key.substring(1);
        if (key.isEmpty() || key.startsWith(".") || key.endsWith(".") || key.contains("..")) {
            throw new ConfigException("override '" + override + "' has an invalid key '" + key + "'");
        }
        String[] parts = key.split("\\.");
        Map<String, Object> node = tree;
        for (int i = 0; i < parts.length - 1; i++) {
            Object child = node.get(parts[i]);
            if (child == null) {
                if (delete) return;
                child = new LinkedHashMap<String, Object>();
                node.put(parts[i], child);
            } else if (!(child instanceof Map)) {
                throw new ConfigException("override '" + override + "': '" + String.join(".", Arrays.copyOf(parts, i + 1))
                        + "' is a value ('" + child + "'), not a section");
            }
            node = (Map<String, Object>) child;
        }
        String leaf = parts[parts.length - 1];
        if (delete) {
            node.remove(leaf);
            return;
        }
        if (eq < 0) throw new ConfigException("override '" + override + "' needs a value: " + key + "=VALUE");
        node.put(leaf, parseValue(body.substring(eq + 1), override));
    }

    /** Reads an override value as a YAML scalar or flow collection. */
    static Object parseValue(String text, String override) {
        String t = text.trim();
        if (t.isEmpty()) return "";
        try {
            Object v = new Yaml(new SafeConstructor(new LoaderOptions())).load(t);
            return v;
        } catch (org.yaml.snakeyaml.error.YAMLException e) {
            throw new ConfigException("cannot read the value of override '" + override + "': " + e.getMessage().split("\n")[0]);
        }
    }
}
