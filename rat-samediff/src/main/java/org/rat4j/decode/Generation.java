package org.rat4j.decode;

/**
 * One generated sequence.
 *
 * @param tokens the new token ids (prompt excluded), EOS or stop tokens included when they ended it
 * @param finish why it ended
 */
public record Generation(int[] tokens, FinishReason finish) {
}
