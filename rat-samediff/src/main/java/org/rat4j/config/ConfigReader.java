package org.rat4j.config;

import java.util.*;

/**
 * Typed, validating view of one level of a nested configuration tree (parsed YAML or JSON).
 *
 * <p>Every key a reader is asked for becomes a known key of that level, present or not. {@link #finish()}
 * then rejects any key in the tree that nobody asked for, suggesting the nearest known key, so a typo such as
 * {@code chunk_sise} is an error rather than a silently ignored setting.
 */
public final class ConfigReader {
    private final String path;
    private final Map<String, Object> map;
    private final Set<String> known = new LinkedHashSet<>();
    private final List<ConfigReader> children = new ArrayList<>();

    public ConfigReader(String path, Map<String, Object> map) {
        this.path = path;
        this.map = map == null ? Map.of() : map;
    }

    /** The dotted path of this level, e.g. {@code model.backbone}. */
    public String path() {
        return path;
    }

    public boolean has(String key) {
        known.add(key);
        return map.containsKey(key) && map.get(key) != null;
    }

    private String where(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private Object raw(String key) {
        known.add(key);
        return map.get(key);
    }

    public int requireInt(String key) {
        if (!has(key)) {
            throw new ConfigException("missing required key '" + where(key) + "' (an integer)");
        }
        return getInt(key, 0);
    }

    public int getInt(String key, int def) {
        Object v = raw(key);
        if (v == null) return def;
        if (isInt(v)) return ((Number) v).intValue();
        if (v instanceof String s) {
            try {
                return Integer.parseInt(s.trim());
            } catch (NumberFormatException ignored) {
                // fall through to the error below
            }
        }
        throw new ConfigException("'" + where(key) + "' must be an integer" + (v instanceof Number ? " of 32 bits" : "")
                + ", got " + shown(v));
    }

    /** A whole number within int range: 1e10 or 2^40 is an error, not silently clamped. */
    private static boolean isInt(Object v) {
        if (!(v instanceof Number n)) return false;
        double d = n.doubleValue();
        return d == Math.rint(d) && d >= Integer.MIN_VALUE && d <= Integer.MAX_VALUE;
    }

    /**
     * A value as an error message shows it: quoted on one line, or only its kind for a mapping or a list (whose text
     * may be huge, or endless for a YAML structure that contains itself).
     */
    static String shown(Object v) {
        if (v instanceof Map) return "a mapping";
        if (v instanceof Collection) return "a list";
        return ConfigException.quote(String.valueOf(v));
    }

    /** An integer of at least {@code min}: {@code 'path.key' must be >= min, got v} otherwise. */
    public int getInt(String key, int def, int min) {
        return requireAtLeast(getInt(key, def), min, where(key));
    }

    /** {@code value} if it is at least {@code min}, else a {@link ConfigException} naming {@code key}. */
    public static int requireAtLeast(int value, int min, String key) {
        if (value < min) throw new ConfigException("'" + key + "' must be >= " + min + ", got " + value);
        return value;
    }

    /** {@code value} if it is a finite number greater than 0, else a {@link ConfigException} naming {@code key}. */
    public static double requirePositive(double value, String key) {
        if (!(value > 0) || !Double.isFinite(value)) {
            throw new ConfigException("'" + key + "' must be a finite number > 0, got " + value);
        }
        return value;
    }

    /** {@code value} if it is a finite number of at least 0, else a {@link ConfigException} naming {@code key}. */
    public static double requireNonNegative(double value, String key) {
        if (!(value >= 0) || !Double.isFinite(value)) {
            throw new ConfigException("'" + key + "' must be a finite number >= 0, got " + value);
        }
        return value;
    }

    public double getDouble(String key, double def) {
        Object v = raw(key);
        if (v == null) return def;
        if (v instanceof Number n) return n.doubleValue();
        if (v instanceof String s) {
            try {
                return Double.parseDouble(s.trim());
            } catch (NumberFormatException ignored) {
                // fall through
            }
        }
        throw new ConfigException("'" + where(key) + "' must be a number, got " + shown(v));
    }

    public boolean getBool(String key, boolean def) {
        Object v = raw(key);
        if (v == null) return def;
        if (v instanceof Boolean b) return b;
        if (v instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
            return Boolean.parseBoolean(s);
        }
        throw new ConfigException("'" + where(key) + "' must be true or false, got " + shown(v));
    }

    public String getString(String key, String def) {
        Object v = raw(key);
        if (v instanceof Map || v instanceof Collection) {
            throw new ConfigException("'" + where(key) + "' must be a single value, got " + shown(v));
        }
        return v == null ? def : v.toString();
    }

    public String requireString(String key) {
        String s = getString(key, null);
        if (s == null) throw new ConfigException("missing required key '" + where(key) + "'");
        return s;
    }

    /** An integer or a list of integers (one per layer); a single integer is returned as a one-element list. */
    public List<Integer> getIntOrList(String key, int def) {
        Object v = raw(key);
        if (v == null) return List.of(def);
        if (v instanceof List<?> list) {
            if (list.isEmpty()) throw new ConfigException("'" + where(key) + "' is an empty list; give an integer or one per layer");
            List<Integer> out = new ArrayList<>();
            for (Object o : list) {
                if (!isInt(o)) throw new ConfigException("'" + where(key) + "' must hold integers of 32 bits, got " + shown(o));
                out.add(((Number) o).intValue());
            }
            return out;
        }
        return List.of(getInt(key, def));
    }

    /** The nested level under {@code key}, or an empty level when absent. */
    @SuppressWarnings("unchecked")
    public ConfigReader child(String key) {
        Object v = raw(key);
        if (v != null && !(v instanceof Map)) {
            throw new ConfigException("'" + where(key) + "' must be a mapping of keys to values, got " + shown(v));
        }
        ConfigReader c = new ConfigReader(where(key), (Map<String, Object>) v);
        children.add(c);
        return c;
    }

    /** Fails on the first key present in the tree (at this level or below) that no reader asked for. */
    public void finish() {
        for (Object k : map.keySet()) {                // YAML keys may be numbers, booleans or null, not only strings
            String key = String.valueOf(k);
            if (!(k instanceof String) || !known.contains(key)) {
                String near = key.length() > 100 ? null : nearest(key, known);
                throw new ConfigException("unknown config key " + ConfigException.quote(where(key))
                        + (near == null ? "" : "; did you mean '" + where(near) + "'?")
                        + " Valid keys here: " + known);
            }
        }
        for (ConfigReader c : children) c.finish();
    }

    /** The candidate closest to {@code key} by edit distance, or null if none is plausibly meant. */
    public static String nearest(String key, Collection<String> candidates) {
        String best = null;
        int bestDist = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = editDistance(key.toLowerCase(Locale.ROOT), c.toLowerCase(Locale.ROOT));
            if (d < bestDist) {
                bestDist = d;
                best = c;
            }
        }
        return best != null && bestDist <= Math.max(2, key.length() / 2) ? best : null;
    }

    static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) prev[j] = j;
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
