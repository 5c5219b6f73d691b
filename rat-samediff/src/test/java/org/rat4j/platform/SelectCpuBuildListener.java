package org.rat4j.platform;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Chooses the ND4J build for a test JVM before any test touches ND4J, as the launcher does for {@code rat4j}
 * (registered in {@code META-INF/services}; other modules get it through rat-samediff's test jar).
 */
public final class SelectCpuBuildListener implements LauncherSessionListener {
    @Override
    public void launcherSessionOpened(LauncherSession session) {
        Nd4jBackends.select();
    }
}
