package org.rat4j.decode;

/** Why a generated sequence ended. */
public enum FinishReason {
    /** It emitted the model's EOS id (kept as its last token). */
    EOS,
    /** A {@link StopCondition} matched after its last token (the tokens that matched are kept). */
    STOP,
    /** It used its whole token budget. */
    LENGTH;

    /** The lower-case name, as written to JSONL and shown to users. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
