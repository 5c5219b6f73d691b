package org.rat4j.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rat4j.config.ConfigException;

/**
 * A batch of input ids and next-token targets, {@code [B][T]} each, with the loss rule of spec §2.8: a target is
 * ignored when it is {@link #IGNORE} or when its input token is EOS; the loss is the mean over the other targets.
 */
public record TokenBatch(int[][] inputs, int[][] targets) {
    /** PyTorch's {@code ignore_index}. */
    public static final int IGNORE = -100;

    /** Inputs and targets from windows of T+1 tokens: {@code inputs = w[0..T-1]}, {@code targets = w[1..T]}. */
    public static TokenBatch fromWindows(int[][] windows) {
        int[][] in = new int[windows.length][];
        int[][] out = new int[windows.length][];
        for (int b = 0; b < windows.length; b++) {
            in[b] = java.util.Arrays.copyOfRange(windows[b], 0, windows[b].length - 1);
            out[b] = java.util.Arrays.copyOfRange(windows[b], 1, windows[b].length);
        }
        return new TokenBatch(in, out);
    }

    public int batchSize() {
        return inputs.length;
    }

    public int seqLen() {
        return inputs[0].length;
    }

    /** Checks shape and id ranges, naming the first bad entry. */
    public void validate(int vocab) {
        checkIds(inputs, vocab, "input");
        if (targets.length != inputs.length) {
            throw new ConfigException("targets have " + targets.length + " sequences but inputs have " + inputs.length);
        }
        for (int b = 0; b < targets.length; b++) {
            if (targets[b].length != inputs[b].length) {
                throw new ConfigException("targets of sequence " + b + " have length " + targets[b].length
                        + " but its inputs have length " + inputs[b].length);
            }
            for (int t = 0; t < targets[b].length; t++) {
                int id = targets[b][t];
                if (id != IGNORE && (id < 0 || id >= vocab)) {
                    throw new ConfigException("target id " + id + " at position " + t + " of sequence " + b
                            + " is outside the vocabulary [0, " + vocab + ") and is not the ignore index " + IGNORE);
                }
            }
        }
    }

    /** Checks that every sequence has the same length and every id lies in {@code [0, vocab)}. */
    public static void checkIds(int[][] ids, int vocab, String what) {
        if (ids.length == 0 || ids[0].length == 0) throw new ConfigException("empty " + what + " batch: give at least one token");
        for (int b = 0; b < ids.length; b++) {
            if (ids[b].length != ids[0].length) {
                throw new ConfigException(what + " sequence " + b + " has length " + ids[b].length + " but sequence 0 has "
                        + ids[0].length + "; pad the batch to one length");
            }
            for (int t = 0; t < ids[b].length; t++) {
                if (ids[b][t] < 0 || ids[b][t] >= vocab) {
                    throw new ConfigException(what + " token id " + ids[b][t] + " at position " + t + " of sequence " + b
                            + " is outside the vocabulary [0, " + vocab + "); check that the tokenizer matches the model");
                }
            }
        }
    }

    /** Target ids flattened to {@code [B·T]}, ignored targets replaced by 0 (their weight is 0). */
    public INDArray targetIds() {
        int n = batchSize() * seqLen();
        int[] ids = new int[n];
        for (int b = 0, i = 0; b < batchSize(); b++) {
            for (int t = 0; t < seqLen(); t++, i++) ids[i] = targets[b][t] == IGNORE ? 0 : targets[b][t];
        }
        return Nd4j.createFromArray(ids);
    }

    /** Whether the target at (b, t) counts: not IGNORE and its input is not EOS. */
    public boolean counts(int b, int t, int eos) {
        return targets[b][t] != IGNORE && inputs[b][t] != eos;
    }

    /** Number of targets that count. */
    public int countedTargets(int eos) {
        int c = 0;
        for (int b = 0; b < batchSize(); b++) for (int t = 0; t < seqLen(); t++) if (counts(b, t, eos)) c++;
        return c;
    }

    /** Loss weights {@code [B·T]}: {@code 1/count} for counted targets, 0 elsewhere (all 0 if none count). */
    public INDArray lossWeights(int eos, DataType type) {
        int count = countedTargets(eos);
        double w = count == 0 ? 0.0 : 1.0 / count;
        double[] out = new double[batchSize() * seqLen()];
        for (int b = 0, i = 0; b < batchSize(); b++) {
            for (int t = 0; t < seqLen(); t++, i++) out[i] = counts(b, t, eos) ? w : 0.0;
        }
        return Nd4j.createFromArray(out).castTo(type);
    }
}
