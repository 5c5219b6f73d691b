package org.rat4j.data.text;

import org.rat4j.config.ConfigException;
import org.rat4j.data.DataHome;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Turns {@code --input} values into a list of files, in a fixed order (the order of the values; within a directory
 * or glob, sorted by path) so that tokenizing twice gives the same shards. A value is one of:
 * <ul>
 *   <li>{@code builtin:train}, {@code builtin:valid} or {@code builtin} (both): the built-in corpus that
 *       scripts/fetch-data.sh writes to {@code data/corpus/};</li>
 *   <li>a file (plain text or JSONL, optionally gzipped);</li>
 *   <li>a directory: every {@code .txt .text .md .jsonl .ndjson .json} file below it, plain or {@code .gz};</li>
 *   <li>a glob such as {@code corpus/*.jsonl.gz} or {@code books/**.txt}.</li>
 * </ul>
 * Several values may be given, separated by commas or as repeated options.
 */
public final class InputResolver {
    /** Where set-up writes the built-in corpus, relative to the rat4j checkout. */
    public static final String BUILTIN_DIR = "data/corpus";

    private InputResolver() {
    }

    public static List<Path> resolve(List<String> specs) {
        Set<Path> out = new LinkedHashSet<>();
        for (String spec : specs) {
            for (String part : spec.split(",")) {
                String s = part.trim();
                if (!s.isEmpty()) out.addAll(resolveOne(s));
            }
        }
        if (out.isEmpty()) throw new ConfigException("no input given; pass --input FILE|DIR|GLOB or builtin:train");
        return new ArrayList<>(out);
    }

    static List<Path> resolveOne(String spec) {
        if (spec.equals("builtin") || spec.startsWith("builtin:")) return builtin(spec);
        if (spec.contains("*") || spec.contains("?") || spec.contains("[") || spec.contains("{")) return glob(spec);
        Path p = Path.of(spec);
        if (Files.isRegularFile(p)) return List.of(p.toAbsolutePath().normalize());
        if (Files.isDirectory(p)) {
            List<Path> files = walk(p, InputFormat::isInputName);
            if (files.isEmpty()) {
                throw new ConfigException("input directory " + spec + " holds no .txt, .md, .jsonl or .json file (plain or .gz)");
            }
            return files;
        }
        throw new ConfigException("input " + spec + " does not exist; give a file, a directory, a glob or builtin:train");
    }

    /** The built-in corpus: {@code builtin:train}, {@code builtin:valid} or {@code builtin} for both. */
    public static List<Path> builtin(String spec) {
        String split = spec.equals("builtin") ? "" : spec.substring("builtin:".length());
        if (!split.isEmpty() && !split.equals("train") && !split.equals("valid")) {
            throw new ConfigException("unknown built-in corpus '" + spec + "'; use builtin:train, builtin:valid or builtin");
        }
        Path dir = DataHome.find(BUILTIN_DIR);
        if (dir == null) {
            throw new ConfigException("the built-in corpus (" + BUILTIN_DIR + ") was not found; " + DataHome.SETUP_HINT);
        }
        List<Path> files = new ArrayList<>();
        for (String s : split.isEmpty() ? List.of("train", "valid") : List.of(split)) {
            Path d = dir.resolve(s);
            if (!Files.isDirectory(d)) throw new ConfigException("the built-in corpus has no " + d + "; " + DataHome.SETUP_HINT);
            files.addAll(walk(d, f -> f.getFileName().toString().endsWith(".txt")));
        }
        if (files.isEmpty()) throw new ConfigException("the built-in corpus in " + dir + " is empty; " + DataHome.SETUP_HINT);
        return files;
    }

    private static List<Path> glob(String spec) {
        // The fixed directory part before the first wildcard is walked; the rest is matched against the full path.
        String normalized = spec.replace('\\', '/');
        int wild = firstWildcard(normalized);
        int slash = normalized.lastIndexOf('/', wild);
        Path base = slash < 0 ? Path.of("") : Path.of(slash == 0 ? "/" : normalized.substring(0, slash));
        Path absBase = base.toAbsolutePath().normalize();
        String pattern = absBase.toString().replace('\\', '/') + "/" + normalized.substring(slash + 1);
        PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
        if (!Files.isDirectory(absBase)) throw new ConfigException("input glob " + spec + ": directory " + base + " does not exist");
        List<Path> files = walk(absBase, p -> m.matches(p));
        if (files.isEmpty()) throw new ConfigException("input glob " + spec + " matches no file");
        return files;
    }

    private static int firstWildcard(String s) {
        int best = s.length();
        for (char c : new char[]{'*', '?', '[', '{'}) {
            int i = s.indexOf(c);
            if (i >= 0 && i < best) best = i;
        }
        return best;
    }

    private static List<Path> walk(Path dir, java.util.function.Predicate<Path> keep) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).filter(keep).map(p -> p.toAbsolutePath().normalize())
                    .sorted(Comparator.comparing(Path::toString)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("could not list " + dir, e);
        } catch (UncheckedIOException e) {
            throw new ConfigException("could not list " + dir + ": " + e.getCause().getMessage());
        }
    }
}
