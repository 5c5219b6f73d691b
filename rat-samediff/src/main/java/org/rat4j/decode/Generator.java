package org.rat4j.decode;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.config.ConfigException;
import org.rat4j.model.RatLanguageModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Autoregressive generation for a batch of prompts of any lengths: one parallel prefill, then one decode step per
 * new token. A sequence stops at EOS (which is kept in its output) or after {@code maxNewTokens}.
 */
public final class Generator {
    private final RatLanguageModel model;

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
        if (prompts.isEmpty()) throw new ConfigException("no prompts to generate from");
        if (maxNewTokens < 0) throw new ConfigException("max new tokens must be >= 0, got " + maxNewTokens);
        int batch = prompts.size();
        int longest = prompts.stream().mapToInt(p -> p.length).max().orElse(0);
        Decoder decoder = new Decoder(model, batch, longest + maxNewTokens);
        Sampler[] samplers = new Sampler[batch];
        List<List<Integer>> out = new ArrayList<>();
        for (int b = 0; b < batch; b++) {
            samplers[b] = new Sampler(sampling, b);
            out.add(new ArrayList<>());
        }
        boolean[] done = new boolean[batch];
        int eos = model.config().eosId();
        INDArray logits = maxNewTokens == 0 ? null : decoder.prefill(prompts.toArray(new int[0][]));
        for (int step = 0; step < maxNewTokens; step++) {
            int[] next = new int[batch];
            boolean any = false;
            for (int b = 0; b < batch; b++) {
                if (done[b]) {
                    next[b] = eos;              // keeps the batch rectangular; the output is ignored
                    continue;
                }
                next[b] = samplers[b].next(logits.getRow(b).castTo(DataType.DOUBLE).toDoubleVector());
                out.get(b).add(next[b]);
                if (stopAtEos && next[b] == eos) done[b] = true;
                any |= !done[b];
            }
            progress.accept(step + 1);
            if (!any || step == maxNewTokens - 1) break;
            logits.close();
            logits = decoder.step(next);
        }
        List<int[]> result = new ArrayList<>();
        for (List<Integer> seq : out) result.add(seq.stream().mapToInt(Integer::intValue).toArray());
        return result;
    }

    /** Prompt followed by its generated tokens. */
    public static int[] concat(int[] prompt, int[] generated) {
        int[] all = Arrays.copyOf(prompt, prompt.length + generated.length);
        System.arraycopy(generated, 0, all, prompt.length, generated.length);
        return all;
    }
}
