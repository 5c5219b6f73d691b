package org.rat4j.data.sft;

import org.rat4j.config.ConfigException;
import org.rat4j.data.IntList;
import org.rat4j.data.tokenizer.Tokenizer;
import org.rat4j.model.TokenBatch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns SFT examples into rows of T inputs and T targets with the loss on response tokens only:
 * <ul>
 *   <li>prompt ids = {@code encode(prompt)} (with BOS), cut to the prompt budget by {@link MiddleTruncation};</li>
 *   <li>response ids = {@code encode(response)} without BOS, then EOS; cut at the end if prompt + response would
 *       exceed T+1 tokens;</li>
 *   <li>the example's tokens s = prompt ⧺ response; a row's inputs are {@code s[0..n-2]} and its targets
 *       {@code s[1..n-1]}, with -100 where the target is a prompt token;</li>
 *   <li>padding: rows are filled to T with EOS inputs and -100 targets. Packing: consecutive examples share a row
 *       while their tokens fit in T+1 (greedy, in order); attention is not reset between them, as in pretraining,
 *       and the target after each EOS is a prompt token, so it is ignored too.</li>
 * </ul>
 */
public final class SftCollator {
    /** Counts from the last {@link #collate} call. */
    public record Stats(int examples, int rows, int truncatedPrompts, int truncatedResponses, long learnedTokens) {
    }

    private final Tokenizer tokenizer;
    private final int seqLen;
    private final int promptBudget;
    private final boolean pack;
    private Stats stats = new Stats(0, 0, 0, 0, 0);

    /**
     * @param seqLen       T, the row length
     * @param promptBudget most prompt tokens kept (BOS included); at most T-1 so a response token always fits.
     *                     The RAT SFT runs use 3840 of T = 4096 (spec §7)
     * @param pack         pack several examples per row instead of one padded example per row
     */
    public SftCollator(Tokenizer tokenizer, int seqLen, int promptBudget, boolean pack) {
        if (seqLen < 2) throw new ConfigException("the SFT sequence length must be at least 2, got " + seqLen);
        if (promptBudget < 1 || promptBudget > seqLen - 1) {
            throw new ConfigException("the prompt budget must be in [1, seq_len - 1] = [1, " + (seqLen - 1) + "], got " + promptBudget);
        }
        this.tokenizer = tokenizer;
        this.seqLen = seqLen;
        this.promptBudget = promptBudget;
        this.pack = pack;
    }

    /** One example's tokens (prompt ⧺ response ⧺ EOS, cut to fit) and where its response starts. */
    public record EncodedExample(int[] tokens, int promptLength, boolean promptTruncated, boolean responseTruncated) {
    }

    public EncodedExample encode(SftExample ex) {
        int[] fullPrompt = tokenizer.encode(ex.prompt(), true);
        int[] prompt = MiddleTruncation.truncate(fullPrompt, promptBudget);
        int[] response = tokenizer.encode(ex.response(), false);
        IntList s = new IntList(prompt.length + response.length + 1);
        s.addAll(prompt);
        s.addAll(response);
        s.add(tokenizer.eosId());
        boolean cut = s.size() > seqLen + 1;
        int[] tokens = cut ? Arrays.copyOf(s.rawArray(), seqLen + 1) : s.toArray();
        return new EncodedExample(tokens, prompt.length, prompt.length < fullPrompt.length, cut);
    }

    /** Rows for all examples, in order. */
    public List<SftSequence> collate(List<SftExample> examples) {
        List<SftSequence> rows = new ArrayList<>();
        List<EncodedExample> current = new ArrayList<>();
        int used = 0;
        int truncP = 0;
        int truncR = 0;
        long learned = 0;
        for (SftExample ex : examples) {
            EncodedExample e = encode(ex);
            if (e.promptTruncated()) truncP++;
            if (e.responseTruncated()) truncR++;
            if (!current.isEmpty() && (!pack || used + e.tokens().length > seqLen + 1)) {
                rows.add(row(current));
                current.clear();
                used = 0;
            }
            current.add(e);
            used += e.tokens().length;
        }
        if (!current.isEmpty()) rows.add(row(current));
        for (SftSequence r : rows) learned += r.learnedTokens();
        stats = new Stats(examples.size(), rows.size(), truncP, truncR, learned);
        return rows;
    }

    /** Builds one row of length T from examples whose tokens total at most T+1. */
    SftSequence row(List<EncodedExample> parts) {
        IntList stream = new IntList(seqLen + 1);
        IntList learn = new IntList(seqLen + 1); // 1 where the token at that stream position is learned
        for (EncodedExample e : parts) {
            for (int i = 0; i < e.tokens().length; i++) {
                stream.add(e.tokens()[i]);
                learn.add(i >= e.promptLength() ? 1 : 0);
            }
        }
        int[] inputs = new int[seqLen];
        int[] targets = new int[seqLen];
        Arrays.fill(inputs, tokenizer.eosId());
        Arrays.fill(targets, TokenBatch.IGNORE);
        for (int t = 0; t + 1 < stream.size(); t++) {
            inputs[t] = stream.get(t);
            targets[t] = learn.get(t + 1) == 1 ? stream.get(t + 1) : TokenBatch.IGNORE;
        }
        return new SftSequence(inputs, targets, parts.size());
    }

    /** Counts from the last {@link #collate} call. */
    public Stats stats() {
        return stats;
    }

    public int seqLen() {
        return seqLen;
    }
}
