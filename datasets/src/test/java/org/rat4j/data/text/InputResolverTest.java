package org.rat4j.data.text;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rat4j.config.ConfigException;
import org.rat4j.data.DataHome;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class InputResolverTest {
    @TempDir
    Path dir;

    @Test
    void directoriesAreWalkedInSortedOrderAndFiltered() throws IOException {
        touch("b.txt");
        touch("a.jsonl.gz");
        touch("sub/c.md");
        touch("notes.pdf");
        touch(".hidden.txt");
        List<Path> files = InputResolver.resolve(List.of(dir.toString()));
        assertEquals(List.of(dir.resolve("a.jsonl.gz"), dir.resolve("b.txt"), dir.resolve("sub/c.md")), files);
    }

    @Test
    void globsAndCommaListsKeepTheGivenOrder() throws IOException {
        touch("x/1.txt");
        touch("x/2.txt");
        touch("x/deep/3.txt");
        touch("y.jsonl");
        List<Path> files = InputResolver.resolve(List.of(dir.resolve("y.jsonl") + "," + dir.resolve("x") + "/*.txt"));
        assertEquals(List.of(dir.resolve("y.jsonl"), dir.resolve("x/1.txt"), dir.resolve("x/2.txt")), files);
        assertEquals(3, InputResolver.resolve(List.of(dir.resolve("x") + "/**.txt")).size());
    }

    @Test
    void missingInputsAreErrors() {
        ConfigException e = assertThrows(ConfigException.class, () -> InputResolver.resolve(List.of(dir.resolve("nope.txt").toString())));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        assertThrows(ConfigException.class, () -> InputResolver.resolve(List.of(dir + "/*.none")));
        assertThrows(ConfigException.class, () -> InputResolver.resolve(List.of(" , ")));
    }

    @Test
    void builtinCorpusComesFromDataHome() throws IOException {
        touch("home/data/corpus/train/t1.txt");
        touch("home/data/corpus/train/t2.txt");
        touch("home/data/corpus/valid/v1.txt");
        String old = System.getProperty(DataHome.HOME_PROPERTY);
        try {
            System.setProperty(DataHome.HOME_PROPERTY, dir.resolve("home").toString());
            assertEquals(2, InputResolver.resolve(List.of("builtin:train")).size());
            assertEquals(1, InputResolver.resolve(List.of("builtin:valid")).size());
            assertEquals(3, InputResolver.resolve(List.of("builtin")).size());
            ConfigException e = assertThrows(ConfigException.class, () -> InputResolver.resolve(List.of("builtin:test")));
            assertTrue(e.getMessage().contains("builtin:train"), e.getMessage());
        } finally {
            if (old == null) System.clearProperty(DataHome.HOME_PROPERTY);
            else System.setProperty(DataHome.HOME_PROPERTY, old);
        }
    }

    private void touch(String rel) throws IOException {
        Path p = dir.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, "x");
    }
}
