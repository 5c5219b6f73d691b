package org.rat4j.data.sft;

/**
 * One supervised fine-tuning example: the model reads {@code prompt} and learns to write {@code response}. The two
 * are encoded separately (prompt with BOS, response without, each with the tokenizer's prefix space), so a response
 * should not start with a space of its own.
 */
public record SftExample(String prompt, String response) {
    public SftExample {
        java.util.Objects.requireNonNull(prompt, "prompt");
        java.util.Objects.requireNonNull(response, "response");
    }
}
