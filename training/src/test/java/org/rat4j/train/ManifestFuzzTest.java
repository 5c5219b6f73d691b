package org.rat4j.train;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.io.TempDir;
import org.rat4j.config.ConfigException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Fuzz tests of checkpoint manifests (issue 14, deliverable 8), on Jazzer's JUnit integration: {@link Checkpoints#verify}
 * of a real checkpoint whose {@code manifest.json} is any text, or the true manifest with entries added, retyped or
 * removed (names such as {@code ../secret} and absolute paths among them). Every manifest ends in acceptance or a
 * one-line {@link ConfigException}; one that is accepted names only plain files of the checkpoint, and the file
 * beside the checkpoint, {@code ../secret}, is never accepted however truthfully the manifest describes it.
 *
 * <p>The normal suite runs each target on the empty input and the files in {@code ManifestFuzzTestInputs/}. To fuzz:
 * {@code JAZZER_FUZZ=1 mvn -o -pl training -am test -Dtest='ManifestFuzzTest#edited' -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class ManifestFuzzTest {
    private static final List<String> NAMES = List.of("config.json", "model.safetensors", "optimizer.safetensors",
            "trainer.json", "manifest.json", "../secret", "../../secret", "/etc/passwd", "./config.json", "..", ".", "",
            "sub/x", "a\\b", "nul\u0000", "secret");

    @TempDir
    static Path scratch;
    private static Path ckpt;
    private static String manifest;
    private static Map<String, Object> secret;

    /** Any text as the manifest. */
    @FuzzTest(maxExecutions = 20_000, maxDuration = "2m")
    void anyText(byte[] bytes) throws IOException {
        Files.write(checkpoint().resolve(Checkpoints.MANIFEST), bytes);
        verify();
    }

    /** The true manifest with a few entries added (a truthful size and hash of {@code ../secret} among the choices), changed or removed. */
    @FuzzTest(maxExecutions = 20_000, maxDuration = "2m")
    @SuppressWarnings("unchecked")
    void edited(FuzzedDataProvider d) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Path dir = checkpoint();
        Map<String, Object> m = json.readValue(manifest, Map.class);
        Map<String, Object> files = (Map<String, Object>) m.get("files");
        int edits = d.consumeInt(0, 4);
        for (int i = 0; i < edits; i++) {
            String name = d.consumeBoolean() ? d.pickValue(NAMES) : d.consumeString(12);
            switch (d.consumeInt(0, 5)) {
                case 0 -> files.remove(name);
                case 1 -> files.put(name, secret);
                case 2 -> files.put(name, Map.of("bytes", d.consumeLong(), "sha256", d.consumeString(64)));
                case 3 -> files.put(name, d.consumeBoolean() ? d.consumeString(8) : List.of(d.consumeInt()));
                case 4 -> m.put(d.consumeBoolean() ? "format" : "files", d.consumeBoolean() ? d.consumeString(16) : null);
                default -> files.put(name, new LinkedHashMap<>(Map.of("bytes", d.consumeRegularDouble(), "sha256", d.consumeInt())));
            }
        }
        Files.write(dir.resolve(Checkpoints.MANIFEST), json.writeValueAsBytes(m));
        verify();
    }

    /** Acceptance of plain names only, or one line. */
    @SuppressWarnings("unchecked")
    private static void verify() throws IOException {
        try {
            Checkpoints.verify(ckpt);
        } catch (ConfigException e) {
            assertNotNull(e.getMessage());
            assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\r"), e.getMessage());
            return;
        }
        Map<String, Object> m = new ObjectMapper().readValue(ckpt.resolve(Checkpoints.MANIFEST).toFile(), Map.class);
        for (String name : ((Map<String, Object>) m.get("files")).keySet()) {
            assertTrue(Files.isRegularFile(ckpt.resolve(name)) && ckpt.resolve(name).getParent().equals(ckpt)
                    && !name.contains("/") && !name.equals(".."), "accepted " + name);
        }
    }

    /** A real checkpoint, written once; the manifest is rewritten by every execution. */
    private static Path checkpoint() throws IOException {
        if (ckpt == null || !ckpt.startsWith(scratch)) {
            ckpt = TestRuns.checkpoint(scratch.resolve("run/checkpoints"));
            manifest = Files.readString(ckpt.resolve(Checkpoints.MANIFEST));
            Path outside = Files.writeString(scratch.resolve("run/secret"), "root:x:0:0");
            secret = Map.of("bytes", Files.size(outside), "sha256", Checkpoints.sha256(outside));
        }
        return ckpt;
    }
}
