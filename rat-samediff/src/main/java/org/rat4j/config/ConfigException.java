package org.rat4j.config;

/**
 * A configuration or input problem that the user can fix: the message names the problem and the fix.
 * Command-line entry points print only the message of this exception, never its stack trace.
 */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * A name taken from a user's file (a tensor name, a key), quoted as a message shows it: control characters and
     * line breaks become spaces and it is cut at 80 characters, so a hostile name cannot break the one-line message.
     */
    public static String quote(String name) {
        String line = oneLine(name);
        return "'" + (line.length() > 80 ? line.substring(0, 77) + "..." : line) + "'";
    }

    /** {@code text} (e.g. a parser's message, which may span lines) on one line: control characters become spaces. */
    public static String oneLine(String text) {
        return text == null ? "" : text.replaceAll("(\\p{Cntrl}|\\s)+", " ").trim();
    }
}
