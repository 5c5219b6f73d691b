package org.rat4j.data.tokenizer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rat4j.config.ConfigException;
import org.rat4j.data.DataHome;
import org.rat4j.data.TestTokenizers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.*;

class TokenizersTest {
    @TempDir
    Path dir;

    @Test
    void missingFileSaysHowToCreateIt() {
        ConfigException e = assertThrows(ConfigException.class, () -> Tokenizers.load(dir.resolve("none.tokenizer")));
        assertTrue(e.getMessage().contains("scripts/fetch-data.sh"), e.getMessage());
    }

    @Test
    void hashIsTheFileSha256() throws Exception {
        Path f = dir.resolve("tiny.tokenizer");
        TokenizerFile.write(f, TestTokenizers.model("tiny-hash", TestTokenizers.TINY_PIECES, TestTokenizers.TINY_MERGES));
        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
        Tokenizer t = Tokenizers.load(f);
        assertEquals(expected, t.hash());
        assertEquals("tiny-hash", t.id());
        assertSame(t, Tokenizers.load(f), "loaded tokenizers are cached");
    }

    @Test
    void defaultIsFoundUnderRat4jHome() throws Exception {
        String old = System.getProperty(DataHome.HOME_PROPERTY);
        String oldFile = System.getProperty(Tokenizers.FILE_PROPERTY);
        try {
            System.clearProperty(Tokenizers.FILE_PROPERTY);
            Path home = dir.resolve("home");
            Path f = home.resolve(Tokenizers.DEFAULT_FILE);
            Files.createDirectories(f.getParent());
            TokenizerFile.write(f, TestTokenizers.model("home-tok", TestTokenizers.TINY_PIECES, TestTokenizers.TINY_MERGES));
            System.setProperty(DataHome.HOME_PROPERTY, home.toString());
            assertEquals(f.toAbsolutePath().normalize(), Tokenizers.defaultFile().toAbsolutePath().normalize());
            assertEquals("home-tok", Tokenizers.loadDefault().id());
        } finally {
            restore(DataHome.HOME_PROPERTY, old);
            restore(Tokenizers.FILE_PROPERTY, oldFile);
        }
    }

    @Test
    void missingDefaultNamesTheSetupCommand() {
        String oldFile = System.getProperty(Tokenizers.FILE_PROPERTY);
        try {
            System.setProperty(Tokenizers.FILE_PROPERTY, dir.resolve("absent.tokenizer").toString());
            assertFalse(Tokenizers.defaultAvailable());
            ConfigException e = assertThrows(ConfigException.class, Tokenizers::loadDefault);
            assertTrue(e.getMessage().contains("fetch-data.sh"), e.getMessage());
        } finally {
            restore(Tokenizers.FILE_PROPERTY, oldFile);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) System.clearProperty(key);
        else System.setProperty(key, value);
    }
}
