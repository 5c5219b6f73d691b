package org.rat4j.data.iter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.rat4j.config.ConfigException;

/**
 * Where a {@link TokenWindowSampler} is: enough to continue with exactly the batches it would have produced. Save
 * it with a checkpoint ({@link #toJson()}) and give it to {@link TokenWindowSampler#restore(SamplerState)}.
 *
 * @param mode        sampling mode
 * @param seed        seed of the random order
 * @param seqLen      T: windows have T+1 tokens
 * @param totalTokens size of the token stream, to catch a resume on other data
 * @param consumed    windows handed out so far, over all epochs
 */
public record SamplerState(SamplingMode mode, long seed, int seqLen, long totalTokens, long consumed) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static SamplerState fromJson(String json) {
        try {
            return JSON.readValue(json, SamplerState.class);
        } catch (JsonProcessingException e) {
            throw new ConfigException("not a saved sampler state: " + e.getOriginalMessage());
        }
    }
}
