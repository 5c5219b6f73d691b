package org.rat4j.eval.task;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.rat4j.config.ConfigException;
import org.rat4j.eval.Task;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What every task defined by a task file shares: its name, its data, the derived fields computed from each record
 * ({@code derive:}), and whether its prompts start with BOS by default.
 */
abstract class FileTask implements Task {
    /**
     * A field computed per record: the text of a template (a field path is the template {@code {path}}), or the
     * elements of a list field each rendered by {@code joinEach} and joined; then the steps.
     */
    record Derived(String name, Template source, String joinField, Template joinEach, String joinSeparator, TextSteps steps) {
        String compute(ObjectNode record, String where) {
            String text = joinEach == null ? source.render(record, where)
                    : TextSteps.joinList(record.get(joinField), joinEach, joinSeparator, where + " field " + joinField);
            return steps.apply(text);
        }
    }

    /** Settings every file task has, read by {@link TaskFile}. */
    record Common(String name, String description, TaskData data, List<Derived> derived, boolean bos, String hint) {
    }

    protected final Common common;
    private List<ObjectNode> loaded;
    private int loadedLimit;

    FileTask(Common common) {
        this.common = common;
    }

    @Override
    public String name() {
        return common.name();
    }

    @Override
    public void check() {
        common.data().check(name(), common.hint());
    }

    /**
     * The task's items with their derived fields, at most {@code limit} (0: all), read and derived once: a run
     * evaluates the same task for every model and RAT+ sweep setting (and twice with --compare-forward). Read only.
     */
    protected List<ObjectNode> items(int limit) {
        if (loaded != null && loadedLimit == limit) return loaded;
        List<ObjectNode> records = common.data().load(name(), common.hint(), limit);
        for (int i = 0; i < records.size(); i++) {
            ObjectNode r = records.get(i);
            for (Derived d : common.derived()) r.put(d.name(), d.compute(r, where(i)));
        }
        loaded = List.copyOf(records);
        loadedLimit = limit;
        return loaded;
    }

    /** "task piqa, item 12" for error messages. */
    protected String where(int item) {
        return "task " + name() + ", item " + (item + 1);
    }

    static List<Derived> readDerived(Map<String, Object> spec, String where) {
        List<Derived> out = new ArrayList<>();
        if (spec == null) return out;
        for (Map.Entry<String, Object> e : spec.entrySet()) {
            String at = where + ".derive." + e.getKey();
            if (!(e.getValue() instanceof Map<?, ?>)) {
                throw new ConfigException(at + " must be a mapping with 'from' (a field) or 'template', and optional 'steps'");
            }
            @SuppressWarnings("unchecked")
            TaskFileReader r = new TaskFileReader(at, (Map<String, Object>) e.getValue());
            String from = r.string("from", null);
            String template = r.string("template", null);
            if ((from == null) == (template == null)) throw new ConfigException(at + ": give exactly one of 'from' and 'template'");
            Template source = template != null ? Template.parse(template, at) : Template.parse("{" + from + "}", at);
            Template each = null;
            String separator = null;
            Map<String, Object> join = r.mapping("join");
            if (join != null) {
                if (from == null) throw new ConfigException(at + ": 'join' works on a list field named by 'from'");
                TaskFileReader j = new TaskFileReader(at + ".join", join);
                each = Template.parse(j.requireString("template"), at + ".join");
                separator = j.string("separator", "\n");
                j.finish();
            }
            TextSteps steps = TextSteps.parse(r.raw("steps"), at + ".steps");
            r.finish();
            out.add(new Derived(e.getKey(), source, from, each, separator, steps));
        }
        return out;
    }
}
