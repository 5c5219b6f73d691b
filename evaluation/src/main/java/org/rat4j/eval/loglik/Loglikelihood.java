package org.rat4j.eval.loglik;

/**
 * The score of one continuation given its context (lm-eval's {@code (ll, is_greedy)}).
 *
 * @param logprob     summed log-probability of the continuation tokens, natural log
 * @param greedy      every continuation token is the argmax of its position's distribution
 * @param tokenLogprobs the log-probability of each continuation token
 */
public record Loglikelihood(double logprob, boolean greedy, double[] tokenLogprobs) {
}
