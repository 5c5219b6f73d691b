package org.rat4j.data.iter;

import org.rat4j.model.TokenBatch;

/**
 * Windows of T+1 tokens to next-token training pairs with the loss rule of spec §2.8: {@code inputs = w[0..T-1]},
 * {@code targets = w[1..T]}, and a target is {@link TokenBatch#IGNORE} (-100) where its input token is EOS, so the
 * model is never trained to guess the first token of an unrelated next document.
 */
public final class NextTokenTargets {
    private NextTokenTargets() {
    }

    /** {@code [B][T+1]} windows to a {@code [B][T]} batch with masked targets. */
    public static TokenBatch fromWindows(int[][] windows, int eosId) {
        int[][] in = new int[windows.length][];
        int[][] out = new int[windows.length][];
        for (int b = 0; b < windows.length; b++) {
            int[] w = windows[b];
            int t = w.length - 1;
            in[b] = java.util.Arrays.copyOf(w, t);
            out[b] = new int[t];
            for (int i = 0; i < t; i++) out[b][i] = w[i] == eosId ? TokenBatch.IGNORE : w[i + 1];
        }
        return new TokenBatch(in, out);
    }
}
