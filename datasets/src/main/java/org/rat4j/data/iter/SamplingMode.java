package org.rat4j.data.iter;

/** How {@link TokenWindowSampler} walks the windows of the token stream. */
public enum SamplingMode {
    /**
     * Windows in stream order: batch k holds windows kB .. kB+B-1 (the reference's {@code lm_ordered}); every
     * token is a target exactly once per epoch.
     */
    ORDERED,
    /**
     * The same windows in a seeded random order, a new order each epoch; every window is used once per epoch.
     */
    RANDOM
}
