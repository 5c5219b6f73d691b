package org.rat4j.eval.task;

import org.rat4j.config.ConfigException;
import org.rat4j.config.ConfigReader;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One mapping of a task file: typed reads of its keys, and {@link #finish()} rejecting keys nobody read (with the
 * nearest known key suggested, through {@link ConfigReader}).
 */
final class TaskFileReader {
    private final String where;
    private final Map<String, Object> map;
    private final ConfigReader keys;

    TaskFileReader(String where, Map<String, Object> map) {
        this.where = where;
        this.map = map;
        this.keys = new ConfigReader("", map);
    }

    boolean has(String key) {
        return keys.has(key);
    }

    /** The raw value (marks the key as known). */
    Object raw(String key) {
        keys.has(key);
        return map.get(key);
    }

    String string(String key, String def) {
        Object v = raw(key);
        if (v == null) return def;
        if (v instanceof String || v instanceof Number || v instanceof Boolean) return v.toString();
        throw new ConfigException(where + "." + key + " must be a text, got " + v);
    }

    String requireString(String key) {
        String s = string(key, null);
        if (s == null) throw new ConfigException(where + ": missing '" + key + "'");
        return s;
    }

    int integer(String key, int def) {
        return keys.getInt(key, def);
    }

    boolean bool(String key, boolean def) {
        return keys.getBool(key, def);
    }

    /** A list of texts; a single text counts as a one-element list; absent: empty. */
    List<String> stringList(String key) {
        Object v = raw(key);
        List<String> out = new ArrayList<>();
        if (v == null) return out;
        if (v instanceof List<?> list) {
            for (Object o : list) {
                if (!(o instanceof String || o instanceof Number)) throw new ConfigException(where + "." + key + " must hold texts, got " + o);
                out.add(o.toString());
            }
            return out;
        }
        out.add(string(key, null));
        return out;
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> mapping(String key) {
        Object v = raw(key);
        if (v == null) return null;
        if (!(v instanceof Map)) throw new ConfigException(where + "." + key + " must be a mapping of keys to values, got " + v);
        return (Map<String, Object>) v;
    }

    /** Fails on the first key nobody read: "WHERE: unknown config key 'metrix'; did you mean 'metrics'? ...". */
    void finish() {
        try {
            keys.finish();
        } catch (ConfigException e) {
            throw new ConfigException(where + ": " + e.getMessage());
        }
    }
}
