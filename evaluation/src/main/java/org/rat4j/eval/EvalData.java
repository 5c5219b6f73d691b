package org.rat4j.eval;

import org.rat4j.config.ConfigException;
import org.rat4j.data.DataHome;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The folder of evaluation data the built-in tasks read ({@code evaluation/data} of the rat4j checkout), found like
 * the tokenizer's {@code data/}: the system property {@value #PROPERTY}, else {@code evaluation/data} under
 * {@code rat4j.home}, {@code RAT4J_HOME}, the working directory or one of its parents.
 */
public final class EvalData {
    public static final String RELATIVE = "evaluation/data";
    public static final String PROPERTY = "rat4j.eval.data";

    private EvalData() {
    }

    public static Path root() {
        String prop = System.getProperty(PROPERTY);
        if (prop != null && !prop.isBlank()) {
            Path p = Path.of(prop);
            if (!Files.isDirectory(p)) throw new ConfigException("-D" + PROPERTY + "=" + prop + " is not a directory");
            return p;
        }
        Path found = DataHome.find(RELATIVE);
        if (found == null || !Files.isDirectory(found)) {
            throw new ConfigException("the evaluation data folder " + RELATIVE + " was not found in " + DataHome.candidates(RELATIVE)
                    + "; run rat4j from the rat4j checkout or set RAT4J_HOME to it");
        }
        return found;
    }
}
