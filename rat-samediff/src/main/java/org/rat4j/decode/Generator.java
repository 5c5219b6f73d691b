package org.rat4j.decode;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.config.ConfigException;
import org.rat4j.block.DecodeCache;
import org.rat4j.model.RatLanguageModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Autoregressive generation for a batch of prompts of any lengths: one parallel prefill, then one decode step per
 * new token. A sequence ends at EOS (kept in its output), when a {@link StopCondition} matches, or after
 * {@code maxNewTokens}. Each token goes through the repetition penalty (if any), then the {@link Sampler}, then to
 * the {@link TokenListener}, then the stop tests.
 */
public final class Generator {
    private static final Logger LOG = LoggerFactory.getLogger(Generator.class);
    private final RatLanguageModel model;
    private boolean warnedPastLength;

    public Generator(RatLanguageModel model) {
        this.model = model;
    }

    /**
     * @param prompts      token ids of each prompt (at least one token each)
     * @param maxNewTokens the token budget per sequence
     * @param sampling     greedy or sampled decoding
     * @param stopAtEos    stop a sequence when it emits EOS
     * @return the new tokens of each sequence (prompt excluded)
     */
    public List<int[]> generate(List<int[]> prompts, int maxNewTokens, SamplingConfig sampling, boolean stopAtEos) {
        return generate(prompts, maxNewTokens, sampling, stopAtEos, step -> { });
    }

    /** As {@link #generate(List, int, SamplingConfig, boolean)}, reporting each completed step to {@code progress}. */
    public List<int[]> generate(List<int[]> prompts, int maxNewTokens, SamplingConfig sampling, boolean stopAtEos,
                                IntConsumer progress) {
        TokenListener onStep = new TokenListener() {
            @Override
            public void onToken(int sequence, int token) {
            }

            @Override
            public void onStep(int step) {
                progress.accept(step);
            }
        };
        List<Generation> out = generate(prompts, GenerationSettings.of(maxNewTokens, sampling).withStopAtEos(stopAtEos), onStep, 0);
        List<int[]> tokens = new ArrayList<>();
        for (Generation g : out) tokens.add(g.tokens());
        return tokens;
    }

    /** {@link #generate(List, GenerationSettings, TokenListener, int)} with sequence b sampling from stream b. */
    public List<Generation> generate(List<int[]> prompts, GenerationSettings settings, TokenListener listener) {
        return generate(prompts, settings, listener, 0);
    }

    /**
     * Continues every prompt, telling {@code listener} each token as it is chosen.
     *
     * @param firstIndex the index of {@code prompts.get(0)} in the caller's whole list: sequence b samples from random
     *                   stream {@code firstIndex + b}, so a sampled result does not depend on how a long list of
     *                   prompts is cut into batches
     * @return one {@link Generation} per prompt, in order
     */
    public List<Generation> generate(List<int[]> prompts, GenerationSettings settings, TokenListener listener, int firstIndex) {
        if (prompts.isEmpty()) throw new ConfigException("no prompts to generate from");
        int batch = prompts.size();
        int maxNew = settings.maxNewTokens();
        int longest = prompts.stream().mapToInt(p -> p.length).max().orElse(0);
        warnPastTrainedLength(longest, maxNew);
        Sampler[] samplers = new Sampler[batch];
        BitSet[] seen = new BitSet[batch];
        boolean penalize = settings.repetitionPenalty() != 1;
        for (int b = 0; b < batch; b++) {
            samplers[b] = new Sampler(settings.sampling(), firstIndex + b);
            seen[b] = new BitSet();
            if (penalize && settings.penalizePrompt()) for (int t : prompts.get(b)) if (t >= 0) seen[b].set(t);
        }
        int[][] out = new int[batch][Math.min(maxNew, 256)];    // grown as needed: the budget may be far above what is used
        int[] length = new int[batch];
        FinishReason[] finish = new FinishReason[batch];
        if (maxNew == 0) {
            for (int b = 0; b < batch; b++) finish(b, FinishReason.LENGTH, finish, listener);
            return results(out, length, finish);
        }
        int eos = model.config().eosId();
        Decoder decoder = new Decoder(model, batch, longest + maxNew, DecodeCache.stateType(model.dataType(), settings.bf16Cache()));
        INDArray logits = decoder.prefill(prompts.toArray(new int[0][]));                  // [B, V]
        int running = batch;
        for (int step = 0; step < maxNew; step++) {
            int[] next = new int[batch];
            for (int b = 0; b < batch; b++) {
                if (finish[b] != null) {
                    next[b] = eos;              // keeps the batch rectangular; the output is ignored
                    continue;
                }
                double[] row = logits.getRow(b).castTo(DataType.DOUBLE).toDoubleVector();
                if (penalize) RepetitionPenalty.apply(row, settings.repetitionPenalty(), seen[b]);
                int t = samplers[b].next(row);
                next[b] = t;
                if (length[b] == out[b].length) out[b] = Arrays.copyOf(out[b], (int) Math.min(maxNew, 2L * length[b]));
                out[b][length[b]++] = t;
                seen[b].set(t);
                listener.onToken(b, t);
                FinishReason reason = settings.stopAtEos() && t == eos ? FinishReason.EOS
                        : stopped(settings.stops(), b, out[b], length[b]) ? FinishReason.STOP
                        : length[b] == maxNew ? FinishReason.LENGTH : null;
                if (reason != null) {
                    finish(b, reason, finish, listener);
                    running--;
                }
            }
            listener.onStep(step + 1);
            if (running == 0) break;
            logits.close();
            logits = decoder.step(next);
        }
        logits.close();
        return results(out, length, finish);
    }

    private static boolean stopped(List<StopCondition> stops, int b, int[] generated, int length) {
        for (StopCondition s : stops) if (s.stopsAfter(b, generated, length)) return true;
        return false;
    }

    private static void finish(int b, FinishReason reason, FinishReason[] finish, TokenListener listener) {
        finish[b] = reason;
        listener.onFinish(b, reason);
    }

    private static List<Generation> results(int[][] out, int[] length, FinishReason[] finish) {
        List<Generation> result = new ArrayList<>();
        for (int b = 0; b < out.length; b++) result.add(new Generation(Arrays.copyOf(out[b], length[b]), finish[b]));
        return result;
    }

    /**
     * Positions past {@code seq_len} were never trained: allowed (RoPE extrapolation work needs it) but said, once per
     * generator (an evaluation decodes hundreds of batches with one), later batches at debug level.
     */
    private void warnPastTrainedLength(int longestPrompt, int maxNew) {
        int seqLen = model.config().seqLen();
        long last = (long) longestPrompt + maxNew;
        if (last <= seqLen) return;
        String message = "a prompt of {} tokens plus {} new tokens reaches position {}, past the model's seq_len {}: "
                + "positions after {} were never trained (RoPE and the recurrence extrapolate there), so the text may degrade";
        if (warnedPastLength) {
            LOG.debug(message, longestPrompt, maxNew, last, seqLen, seqLen);
        } else {
            warnedPastLength = true;
            LOG.warn(message, longestPrompt, maxNew, last, seqLen, seqLen);
        }
    }

    /** Prompt followed by its generated tokens. */
    public static int[] concat(int[] prompt, int[] generated) {
        int[] all = Arrays.copyOf(prompt, prompt.length + generated.length);
        System.arraycopy(generated, 0, all, prompt.length, generated.length);
        return all;
    }
}
