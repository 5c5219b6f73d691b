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
}
