package org.rat4j.eval;

/**
 * One evaluation task: a set of items, how the model is asked about each, and how the answers are scored.
 * Built-in tasks come from task files ({@code org/rat4j/eval/tasks/*.yaml}, docs/evaluation.md) or are generated
 * (NIAH, perplexity); {@link org.rat4j.eval.task.TaskRegistry} resolves names. A task may be evaluated on several
 * models one after another.
 */
public interface Task {
    /** The name in results and reports, e.g. {@code piqa} or {@code niah_single_1@1024}. */
    String name();

    /** Checks that the task's inputs exist, so a missing file fails before any model is loaded. */
    default void check() {
    }

    /** Runs the task on the evaluator's model. */
    TaskResult evaluate(Evaluator evaluator);
}
