package org.rat4j.train;

import org.rat4j.model.RatLanguageModel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The listeners of a run as one: each call goes to all of them in order; a run continues only if all agree. */
final class Listeners implements TrainingListener {
    private final List<TrainingListener> all = new ArrayList<>();

    void add(TrainingListener l) {
        all.add(l);
    }

    @Override
    public void phase(Phase phase, int step) {
        for (TrainingListener l : all) l.phase(phase, step);
    }

    @Override
    public void beforeStep(int step, RatLanguageModel model) {
        for (TrainingListener l : all) l.beforeStep(step, model);
    }

    @Override
    public boolean continueAfter(int step) {
        boolean go = true;
        for (TrainingListener l : all) go &= l.continueAfter(step);
        return go;
    }

    @Override
    public void beforeCheckpointFile(Path file) throws IOException {
        for (TrainingListener l : all) l.beforeCheckpointFile(file);
    }
}
