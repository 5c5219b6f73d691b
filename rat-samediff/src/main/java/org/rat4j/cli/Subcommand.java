package org.rat4j.cli;

/**
 * One {@code rat4j <name>} command. The dispatcher (launcher in the training module) finds
 * commands by name, prints {@link #summary()} in its help, and turns a {@link org.rat4j.config.ConfigException}
 * into a one-line error with exit code 2.
 */
public interface Subcommand {
    /** The word after {@code rat4j}, e.g. {@code score}. */
    String name();

    /** One line for {@code rat4j --help}. */
    String summary();

    /**
     * Runs the command; {@code --help} among the arguments prints the command's usage and returns 0.
     *
     * @return the process exit code
     */
    int run(String[] args) throws Exception;
}
