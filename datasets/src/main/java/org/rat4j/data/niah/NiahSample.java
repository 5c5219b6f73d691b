package org.rat4j.data.niah;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One generated task instance in the SFT format: {@code prompt} ends with RULER's answer prefix and
 * {@code response} lists the answers ("4816253." or "4816253, 7720431."). {@code tokens} counts
 * BOS + prompt + response + EOS with the tokenizer used; it is at most {@code length}.
 *
 * @param depths where each needle sits, as the fraction of the haystack before it
 */
public record NiahSample(NiahTask task, NiahSplit split, long seed, int index, int length, int tokens, String prompt,
                         String response, List<String> answers, List<Double> depths) {
    /** The JSONL record: prompt and response for SFT, the rest for evaluation and inspection. */
    public Map<String, Object> toRecord() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", task.taskName());
        m.put("split", split.jsonName());
        m.put("seed", seed);
        m.put("index", index);
        m.put("length", length);
        m.put("tokens", tokens);
        m.put("prompt", prompt);
        m.put("response", response);
        m.put("answers", answers);
        m.put("depths", depths);
        return m;
    }
}
