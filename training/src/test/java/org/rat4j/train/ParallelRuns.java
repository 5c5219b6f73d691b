package org.rat4j.train;

import org.rat4j.train.config.ExperimentConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Test runs for other packages (TestRuns is package-private). */
public final class ParallelRuns {
    private ParallelRuns() {
    }

    public static ExperimentConfig config(Path runDir, String[] common, String... more) {
        List<String> all = new ArrayList<>(Arrays.asList(common));
        all.addAll(Arrays.asList(more));
        return TestRuns.config(TestRuns.rat(), runDir, all.toArray(new String[0]));
    }

    public static Trainer.Run run(ExperimentConfig cfg) {
        return TestRuns.run(cfg);
    }
}
