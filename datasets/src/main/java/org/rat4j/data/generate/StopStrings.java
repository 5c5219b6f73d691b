package org.rat4j.data.generate;

import org.rat4j.config.ConfigException;

import java.util.List;

/**
 * Cuts a growing text before the first occurrence of any stop string. Text arrives in pieces (one token's text at a
 * time), and a stop string may span pieces, so the end of the text that could still become a stop string is held
 * back until the next piece decides it: with the stop string {@code "\n\n"}, a piece ending in {@code "\n"} is
 * released without that newline. Everything released, concatenated, is the text up to (not including) the first stop
 * string, or the whole text after {@link #flush()} if none occurs. One per sequence.
 */
public final class StopStrings {
    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    /** @param stops the stop strings (none empty); an empty list releases all text at once */
    public StopStrings(List<String> stops) {
        for (String s : stops) {
            if (s == null || s.isEmpty()) throw new ConfigException("a stop string must not be empty");
        }
        this.stops = List.copyOf(stops);
    }

    /** Adds text; returns the part that can no longer be cut (empty once a stop string was found). */
    public String push(String text) {
        if (stopped) return "";
        pending.append(text);
        int cut = -1;
        for (String s : stops) {
            int at = pending.indexOf(s);
            if (at >= 0 && (cut < 0 || at < cut)) cut = at;
        }
        if (cut >= 0) {
            stopped = true;
            String out = pending.substring(0, cut);
            pending.setLength(0);
            return out;
        }
        int keep = 0;
        for (String s : stops) keep = Math.max(keep, longestSuffixThatStarts(s));
        String out = pending.substring(0, pending.length() - keep);
        pending.delete(0, pending.length() - keep);
        return out;
    }

    /** The end of the text: releases what was held back (nothing after a stop). */
    public String flush() {
        String out = stopped ? "" : pending.toString();
        pending.setLength(0);
        return out;
    }

    /** Whether a stop string has occurred. */
    public boolean stopped() {
        return stopped;
    }

    /** Length of the longest proper prefix of {@code stop} that the pending text ends with. */
    private int longestSuffixThatStarts(String stop) {
        int n = pending.length();
        for (int k = Math.min(stop.length() - 1, n); k > 0; k--) {
            boolean match = true;
            for (int i = 0; i < k && match; i++) match = pending.charAt(n - k + i) == stop.charAt(i);
            if (match) return k;
        }
        return 0;
    }
}
