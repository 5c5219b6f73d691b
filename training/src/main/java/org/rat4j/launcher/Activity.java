package org.rat4j.launcher;

/**
 * What the running command is doing, so that running out of memory is reported with what was being done and the
 * setting that would help, instead of one piece of advice for every command. Commands set it as they go; a command
 * that does not leaves the generic advice.
 */
final class Activity {
    private static volatile String doing;
    private static volatile String advice;

    private Activity() {
    }

    /**
     * @param what   what the command is doing, e.g. "training step 12 (micro-batches of 4 × 128 tokens)"
     * @param helps  what would need less memory, e.g. "lower train.micro_batch"; null if only a larger heap helps
     */
    static void set(String what, String helps) {
        doing = what;
        advice = helps;
    }

    static void clear() {
        set(null, null);
    }

    /** The one line printed for an {@link OutOfMemoryError} in command {@code command}. */
    static String outOfMemory(String command, OutOfMemoryError e) {
        String what = doing == null ? "" : " while " + doing;
        String msg = e.getMessage() == null ? "" : e.getMessage().lines().findFirst().orElse("").strip();
        String detail = msg.isEmpty() ? "" : " (" + (msg.length() > 160 ? msg.substring(0, 160) + "..." : msg) + ")";
        return "rat4j " + command + ": out of memory" + what + detail + "; " + (advice == null ? "" : advice + ", or ")
                + "give Java more memory (RAT4J_JAVA_OPTS=-Xmx16g ./rat4j ...; ND4J's arrays may take 4 × -Xmx)";
    }
}
