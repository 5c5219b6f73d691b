package org.rat4j.block;

/**
 * A sequence mixer's residual block (spec §1–§3). Beyond {@link SequenceBlock}, it says how much mixing it does, so
 * that FLOP counts and memory estimates need no knowledge of any particular mixer.
 */
public interface MixerBlock extends SequenceBlock {

    /** Keys the query at position t (0-based, causal) attends, as the spec defines the mixer; 0 for a pure recurrence. */
    long keysAttended(long t);

    /** Keys per query that rat4j's parallel graph scores at length T: the width of its score matrix. */
    double keysComputed(int seqLen);

    /** Length of the gated recurrence its graph scans at length T (RAT: L; RNN, RAT+: T), 0 if none. */
    int scanLength(int seqLen);

    /** This block as a joint-training dense pass runs it (spec §3.3): RAT+ with full causal attention; others itself. */
    default MixerBlock dense() {
        return this;
    }
}
