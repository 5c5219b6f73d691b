package org.rat4j.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds the project's {@code data/} directory, where scripts/fetch-data.sh puts the tokenizer and the built-in
 * corpus. Looked for, in order: the system property {@code rat4j.home}, the environment variable
 * {@code RAT4J_HOME} (the {@code rat4j} launcher sets it to the checkout), then the working directory and each of
 * its parents (so a test run from {@code datasets/} finds {@code ../data}).
 */
public final class DataHome {
    /** System property naming the rat4j checkout (the directory that holds {@code data/}). */
    public static final String HOME_PROPERTY = "rat4j.home";
    /** Environment variable naming the rat4j checkout. */
    public static final String HOME_ENV = "RAT4J_HOME";
    /** What to tell a user whose data is missing. */
    public static final String SETUP_HINT = "run scripts/fetch-data.sh from the rat4j checkout (it needs npm and apt-get; "
            + "about a minute) or set RAT4J_HOME to a checkout where it was run";

    private DataHome() {
    }

    /** Candidate locations of {@code relative} (e.g. {@code data/tokenizer/llama2.tokenizer}), most preferred first. */
    public static List<Path> candidates(String relative) {
        Set<Path> out = new LinkedHashSet<>();
        String prop = System.getProperty(HOME_PROPERTY);
        if (prop != null && !prop.isBlank()) out.add(Path.of(prop).resolve(relative).toAbsolutePath().normalize());
        String env = System.getenv(HOME_ENV);
        if (env != null && !env.isBlank()) out.add(Path.of(env).resolve(relative).toAbsolutePath().normalize());
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            out.add(dir.resolve(relative).normalize());
        }
        return new ArrayList<>(out);
    }

    /** The first existing candidate of {@code relative}, or null when there is none. */
    public static Path find(String relative) {
        for (Path p : candidates(relative)) if (Files.exists(p)) return p;
        return null;
    }
}
