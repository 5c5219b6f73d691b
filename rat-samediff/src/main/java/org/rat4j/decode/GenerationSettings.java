package org.rat4j.decode;

import org.rat4j.config.ConfigException;

import java.util.ArrayList;
import java.util.List;

/**
 * How {@link Generator} continues prompts.
 *
 * @param maxNewTokens      the token budget per sequence (may exceed the model's {@code seq_len}: positions past it were
 *                          never trained, which {@link Generator} logs as a warning)
 * @param sampling          greedy or sampled choice of each token
 * @param stopAtEos         end a sequence when it emits the model's EOS id
 * @param repetitionPenalty {@link RepetitionPenalty}; 1 = off
 * @param penalizePrompt    whether the prompt's tokens count as seen (Hugging Face) or only generated ones (CTRL, the
 *                          papers' code)
 * @param stops             further stop conditions, tested in order after each token
 * @param bf16Cache         hold the decode caches and recurrent states in bfloat16 ({@link #withBf16Cache})
 */
public record GenerationSettings(int maxNewTokens, SamplingConfig sampling, boolean stopAtEos, double repetitionPenalty,
                                 boolean penalizePrompt, List<StopCondition> stops, boolean bf16Cache) {
    public GenerationSettings {
        if (maxNewTokens < 0) throw new ConfigException("max new tokens must be >= 0, got " + maxNewTokens);
        if (sampling == null) throw new ConfigException("no sampling settings");
        RepetitionPenalty.require(repetitionPenalty);
        stops = List.copyOf(stops);
    }

    /** {@code maxNewTokens} with {@code sampling}, stopping at EOS, no penalty, no other stop condition. */
    public static GenerationSettings of(int maxNewTokens, SamplingConfig sampling) {
        return new GenerationSettings(maxNewTokens, sampling, true, 1.0, false, List.of(), false);
    }

    public GenerationSettings withStopAtEos(boolean stop) {
        return new GenerationSettings(maxNewTokens, sampling, stop, repetitionPenalty, penalizePrompt, stops, bf16Cache);
    }

    public GenerationSettings withRepetitionPenalty(double penalty, boolean includePrompt) {
        return new GenerationSettings(maxNewTokens, sampling, stopAtEos, penalty, includePrompt, stops, bf16Cache);
    }

    /** These settings with {@code condition} added after the existing stop conditions. */
    public GenerationSettings withStop(StopCondition condition) {
        List<StopCondition> all = new ArrayList<>(stops);
        all.add(condition);
        return new GenerationSettings(maxNewTokens, sampling, stopAtEos, repetitionPenalty, penalizePrompt, all, bf16Cache);
    }

    /**
     * These settings with the decode caches and recurrent states held in bfloat16, as the papers' code holds them
     * even in float32 runs (half the cache memory; logits then differ from float32 caches by bfloat16 rounding).
     */
    public GenerationSettings withBf16Cache(boolean bf16) {
        return new GenerationSettings(maxNewTokens, sampling, stopAtEos, repetitionPenalty, penalizePrompt, stops, bf16);
    }
}
