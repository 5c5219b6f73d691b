package org.rat4j.train;

import org.rat4j.compat.Dl4jM21;
import org.rat4j.compat.NativeMemory;
import org.rat4j.model.RatLanguageModel;

/**
 * Resets what SameDiff accumulates in a long training run. Each SameDiff graph keeps one {@code InferenceSession} per
 * thread, and in DL4J 1.0.0-M2.1 a session's {@code ArrayCacheMemoryMgr} adds the id of every array it releases to
 * its {@code lruCache} set and never removes it: about 980 ids per tiny-rat training step (class histograms at steps 30
 * and 150 of a run with a validation and a checkpoint every 20 steps: 117,707 more {@code Long}s and as many
 * {@code LinkedHashMap} entries, nothing else growing), while the main job's resident set grew by 32% from step 100 to
 * step 600, at its validations and checkpoints. Dropping the sessions of the training graph and of its gradient
 * function after each of them, and collecting, kept it within 7% (docs/results.md); the next step builds fresh
 * sessions (0 to 1 s once, against 1 to 2.5 s for rebuilding the graphs with {@code RatLanguageModel.clearGraphs},
 * which did no better). The graphs, their variables and so the numbers are untouched.
 */
final class GraphSessions {
    private GraphSessions() {
    }

    /**
     * Drops the sessions of the graphs that train and validate {@code model} on sequences of {@code seqLen} (the dense
     * one too for joint training), then asks for a collection so their arrays are freed before the next step allocates.
     */
    static void reset(RatLanguageModel model, int seqLen, boolean joint) {
        for (boolean dense : joint ? new boolean[]{false, true} : new boolean[]{false}) {
            Dl4jM21.clearSessions(model.graph(seqLen, dense).sameDiff());
        }
        NativeMemory.collect();
    }
}
