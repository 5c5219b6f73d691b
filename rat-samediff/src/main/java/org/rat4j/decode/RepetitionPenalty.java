package org.rat4j.decode;

import org.rat4j.config.ConfigException;

import java.util.BitSet;

/**
 * The repetition penalty of CTRL (Keskar et al. 2019, arXiv 1909.05858, section 4.1) in the sign-aware form that
 * Hugging Face's {@code RepetitionPenaltyLogitsProcessor} and both papers' generation code use: the logit of every
 * token already seen is divided by the penalty when it is positive and multiplied by it otherwise, so a penalty
 * above 1 always makes a seen token less likely. Each seen token is penalised once, however often it occurred.
 * <p>Which tokens count as seen differs between the references: the RAT and RAT+ repositories
 * ({@code src/utils/gen.py}: {@code apply_repetition_penalty(logits, generated, penalty)} inside
 * {@code generate_greedy_search}, CLAIRE-Labo/RAT d4a8f54, wimh966/rat-plus 68cfdaa) penalise only the generated
 * tokens, the first one included, as CTRL does; Hugging Face penalises the prompt as well. {@link GenerationSettings}
 * offers both ({@code penalizePrompt}). It is applied to the raw logits, before temperature, top-k and top-p, as in
 * both references.
 */
public final class RepetitionPenalty {
    private RepetitionPenalty() {
    }

    /** Checks a penalty: a finite number above 0 (1 leaves the logits unchanged). */
    public static double require(double penalty) {
        if (!(penalty > 0) || Double.isInfinite(penalty)) {
            throw new ConfigException("the repetition penalty must be a finite number > 0 (1 = off; the papers use 1.2), got " + penalty);
        }
        return penalty;
    }

    /** Penalises, in place, the logits of the tokens in {@code seen}. */
    public static void apply(double[] logits, double penalty, BitSet seen) {
        if (penalty == 1) return;
        for (int t = seen.nextSetBit(0); t >= 0 && t < logits.length; t = seen.nextSetBit(t + 1)) {
            logits[t] = logits[t] < 0 ? logits[t] * penalty : logits[t] / penalty;
        }
    }
}
