package org.rat4j.data.sft;

/**
 * One training row of length T: {@code inputs[t]} is fed to the model, {@code targets[t]} is the token it should
 * predict there or -100 (prompt tokens and padding are not learned).
 *
 * @param inputs   {@code [T]} input ids; padding is EOS
 * @param targets  {@code [T]} next ids, -100 where ignored
 * @param examples how many examples are packed into the row
 */
public record SftSequence(int[] inputs, int[] targets, int examples) {
    /** Targets that count in the loss. */
    public int learnedTokens() {
        int n = 0;
        for (int t : targets) if (t != org.rat4j.model.TokenBatch.IGNORE) n++;
        return n;
    }
}
