package org.rat4j.train;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Clean-up of a run folder before a run writes into it; call it only while holding the folder's {@link RunLock}. */
final class RunFolder {
    private static final Logger LOG = LoggerFactory.getLogger(RunFolder.class);
    /**
     * What an interrupted write leaves: {@code AtomicFiles}' temporary files ({@code .metrics.csv.123.tmp}) and the
     * temporary and replaced folders of {@link Checkpoints#saveModelDir} ({@code .final.tmp-123}, {@code .final.old-123})
     * and of {@link Checkpoints#save} ({@code .step-0000004.tmp-123}).
     */
    private static final Pattern UNFINISHED = Pattern.compile("\\..+(\\.tmp|\\.tmp-.+|\\.old-.+)");

    private RunFolder() {
    }

    /** Removes the leftovers of interrupted writes from the run folder and its checkpoints folder. */
    static void removeUnfinishedWrites(Path runDir, Checkpoints checkpoints) {
        removeUnfinished(runDir);
        removeUnfinished(checkpoints.directory());       // a checkpoint's .step-N.tmp-123 and .step-N.old-123 folders
    }

    private static void removeUnfinished(Path dir) {
        if (!Files.isDirectory(dir)) return;
        List<Path> stale;
        try (Stream<Path> s = Files.list(dir)) {
            stale = s.filter(p -> UNFINISHED.matcher(p.getFileName().toString()).matches()).toList();
        } catch (IOException e) {
            LOG.warn("could not clean {}: {}", dir, e.getMessage());
            return;
        }
        for (Path p : stale) {
            LOG.info("removing {}, left by an interrupted write", p.getFileName());
            try {
                Checkpoints.deleteTree(p);
            } catch (IOException e) {
                LOG.warn("could not remove {}: {}", p, e.getMessage());
            }
        }
    }
}
