package org.rat4j.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The {@code ./rat4j} script sends a JVM crash report to the temporary directory, never into the user's working
 * directory (issue 14: a SIGSEGV in ND4J left {@code hs_err_pid*.log} there). The real script runs a stand-in
 * {@code org.rat4j.launcher.Rat4j}, compiled here, that crashes the JVM by writing to address 0.
 */
@EnabledOnOs(OS.LINUX)
class LauncherScriptTest {
    private static final String CRASH = """
            package org.rat4j.launcher;
            public class Rat4j {
                public static void main(String[] args) throws Exception {
                    java.lang.reflect.Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
                    f.setAccessible(true);
                    ((sun.misc.Unsafe) f.get(null)).putAddress(0, 0);
                }
            }
            """;

    @TempDir
    Path dir;

    /** A copy of the script beside a training jar holding the stand-in launcher. */
    private Path install() throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assumeTrue(javac != null, "needs a JDK");
        Path src = Files.createDirectories(dir.resolve("src/org/rat4j/launcher")).resolve("Rat4j.java");
        Files.writeString(src, CRASH);
        Path classes = Files.createDirectories(dir.resolve("classes"));
        assertEquals(0, javac.run(null, null, null, "-nowarn", "-d", classes.toString(), src.toString()));
        Path home = Files.createDirectories(dir.resolve("home"));
        Files.copy(Path.of("..", "rat4j"), home.resolve("rat4j"));
        Path target = Files.createDirectories(home.resolve("training/target/lib"));
        try (OutputStream out = Files.newOutputStream(target.resolveSibling("rat4j-training-0.jar"));
             JarOutputStream jar = new JarOutputStream(out)) {
            jar.putNextEntry(new JarEntry("org/rat4j/launcher/Rat4j.class"));
            jar.write(Files.readAllBytes(classes.resolve("org/rat4j/launcher/Rat4j.class")));
            jar.closeEntry();
        }
        return home;
    }

    private static Process run(Path home, Path cwd, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("bash", home.resolve("rat4j").toString(), "init").directory(cwd.toFile())
                .redirectErrorStream(true);
        pb.environment().remove("RAT4J_JAVA_OPTS");
        pb.environment().putAll(env);
        return pb.start();
    }

    private static List<Path> list(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.toList();
        }
    }

    @Test
    void aCrashReportGoesToTheTemporaryDirectory() throws Exception {
        Path home = install();
        Path work = Files.createDirectories(dir.resolve("work"));
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        Process p = run(home, work, Map.of("TMPDIR", tmp.toString(), "RAT4J_JAVA_OPTS", "-Xmx64m"));
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertNotEquals(0, p.waitFor(), output);
        assertTrue(output.contains("SIGSEGV"), output);
        assertEquals(List.of(), list(work), "nothing in the working directory");
        List<Path> reports = list(tmp);
        assertEquals(1, reports.size(), reports.toString());
        assertEquals("rat4j-hs_err_pid" + p.pid() + ".log", reports.get(0).getFileName().toString());
        assertTrue(Files.readString(reports.get(0)).contains("SIGSEGV"));
        assertTrue(output.contains(reports.get(0).toString()), "the JVM names the report: " + output);

        // -XX:ErrorFile in RAT4J_JAVA_OPTS wins
        Path mine = dir.resolve("mine.log");
        p = run(home, work, Map.of("TMPDIR", tmp.toString(), "RAT4J_JAVA_OPTS", "-Xmx64m -XX:ErrorFile=" + mine));
        p.getInputStream().readAllBytes();
        assertNotEquals(0, p.waitFor());
        assertTrue(Files.isRegularFile(mine));
        assertEquals(1, list(tmp).size());
        assertEquals(List.of(), list(work));
    }
}
