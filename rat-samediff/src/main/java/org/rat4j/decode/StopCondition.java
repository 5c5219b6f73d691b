package org.rat4j.decode;

import org.rat4j.config.ConfigException;

import java.util.ArrayList;
import java.util.List;

/**
 * Ends a sequence after one of its tokens. {@link Generator} asks each condition exactly once after every new token
 * of every running sequence, in order and after the {@link TokenListener} has seen that token, so a condition may
 * keep per-sequence state that it updates incrementally (the text layer's stop strings do).
 */
@FunctionalInterface
public interface StopCondition {
    /**
     * @param sequence  the sequence's index in the prompts of the {@code generate} call
     * @param generated the sequence's new tokens so far in {@code generated[0, length)} (do not modify; the array
     *                  may be longer than {@code length})
     * @param length    how many tokens it has generated, the newest at {@code length - 1}
     * @return whether the sequence ends here
     */
    boolean stopsAfter(int sequence, int[] generated, int length);

    /** Ends a sequence when its new tokens end with one of {@code sequences} (each at least one id). */
    static StopCondition tokens(List<int[]> sequences) {
        List<int[]> stops = new ArrayList<>();
        for (int[] s : sequences) {
            if (s.length == 0) throw new ConfigException("a stop token sequence needs at least one token id");
            stops.add(s.clone());
        }
        return (sequence, generated, length) -> {
            for (int[] s : stops) {
                if (s.length > length) continue;
                boolean match = true;
                for (int i = 0; i < s.length && match; i++) match = generated[length - s.length + i] == s[i];
                if (match) return true;
            }
            return false;
        };
    }
}
