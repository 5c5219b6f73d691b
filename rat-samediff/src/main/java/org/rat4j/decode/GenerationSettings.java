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
 */
public record GenerationSettings(int maxNewTokens, SamplingConfig sampling, boolean stopAtEos, double repetitionPenalty,
                                 boolean penalizePrompt, List<StopCondition> stops) {
    public GenerationSettings {
        if (maxNewTokens < 0) throw new ConfigException("max new tokens must be >= 0, got " + maxNewTokens);
        if (sampling == null) throw new ConfigException("no sampling settings");
        RepetitionPenalty.require(repetitionPenalty);
        stops = List.copyOf(stops);
    }

    /** {@code maxNewTokens} with {@code sampling}, stopping at EOS, no penalty, no other stop condition. */
    public static GenerationSettings of(int maxNewTokens, SamplingConfig sampling) {
        return new GenerationSettings(maxNewTokens, sampling, true, 1.0, false, List.of());
    }

    public GenerationSettings withStopAtEos(boolean stop) {
        return new GenerationSettings(maxNewTokens, sampling, stop, repetitionPenalty, penalizePrompt, stops);
    }

    public GenerationSettings withRepetitionPenalty(double penalty, boolean includePrompt) {
        return new GenerationSettings(maxNewTokens, sampling, stopAtEos, penalty, includePrompt, stops);
    }

    /** These settings with {@code condition} added after the existing stop conditions. */
    public GenerationSettings withStop(StopCondition condition) {
        List<StopCondition> all = new ArrayList<>(stops);
        all.add(condition);
        return new GenerationSettings(maxNewTokens, sampling, stopAtEos, repetitionPenalty, penalizePrompt, all);
    }
}
