package org.rat4j.eval;

/**
 * How an {@link Evaluator} runs tasks.
 *
 * @param limit          items per task (the first ones, as lm-eval's {@code --limit}); 0 for all
 * @param batch          most sequences per forward pass
 * @param tokenBudget    most padded tokens per forward pass (bounds the logits held in memory)
 * @param maxLength      longest model input of log-likelihood tasks (lm-eval's {@code max_length}); 0 for the
 *                       model's training length
 * @param bos            put BOS before every prompt (true/false), or null for each task's own convention
 * @param logSamples     keep every item's inputs, token ids, scores and prediction ({@code --log-samples})
 * @param progress       draw progress bars on standard error
 * @param compareForward after each log-likelihood task, time the model's plain forward on the same batch shapes
 * @param genBatch       prompts decoded together by generation tasks
 */
public record EvalSettings(int limit, int batch, int tokenBudget, int maxLength, Boolean bos, boolean logSamples,
                           boolean progress, boolean compareForward, int genBatch) {
    /**
     * 64 rows: with the token budget below, short items (PIQA: about 60 tokens) fill 4,096-token forwards. A forward
     * has a fixed cost of 0.1-0.2 s on 2 cores (SameDiff dispatch), so the tiny RAT's forward ran at 2,100 tokens/s
     * with 8 x 64 tokens per call and 5,600 with 64 x 64 (measured while the machine was shared, docs/performance.md).
     */
    public static final int DEFAULT_BATCH = 64;
    /** 4096 padded tokens: the float32 logits of a 32,000-token vocabulary then take 0.5 GB. */
    public static final int DEFAULT_TOKEN_BUDGET = 4096;
    public static final int DEFAULT_GEN_BATCH = 4;

    public static EvalSettings defaults() {
        return new EvalSettings(0, DEFAULT_BATCH, DEFAULT_TOKEN_BUDGET, 0, null, false, false, false, DEFAULT_GEN_BATCH);
    }

    public EvalSettings withLimit(int n) {
        return new EvalSettings(n, batch, tokenBudget, maxLength, bos, logSamples, progress, compareForward, genBatch);
    }

    public EvalSettings withBatch(int rows, int tokens) {
        return new EvalSettings(limit, rows, tokens, maxLength, bos, logSamples, progress, compareForward, genBatch);
    }

    public EvalSettings withLogSamples(boolean on) {
        return new EvalSettings(limit, batch, tokenBudget, maxLength, bos, on, progress, compareForward, genBatch);
    }

    public EvalSettings withBos(Boolean on) {
        return new EvalSettings(limit, batch, tokenBudget, maxLength, on, logSamples, progress, compareForward, genBatch);
    }
}
