package org.rat4j.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.rat4j.cli.ConsoleCapture;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.io.ModelIO;
import org.rat4j.io.SafeTensors;
import org.rat4j.model.ModelConfig;
import org.rat4j.model.RatLanguageModel;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** rat4j import as a user runs it, on the fixtures of rat-samediff (tools/torch-fixtures/make_fixtures.py). */
class ImportCommandTest {
    static final Path FIXTURES = Path.of("..", "rat-samediff", "src", "test", "resources", "torch");
    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    static int run(String... args) {
        return Rat4j.run(args);
    }

    static String fixture(String name) {
        return FIXTURES.resolve(name).toString();
    }

    @Test
    void importsALegacyRatPlusCheckpointIntoAModelDirectory(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("ratplus");
        assertEquals(0, run("import", "--from", fixture("ratplus-legacy-f32.pth"), "--config", fixture("ratplus.yaml"),
                "--out", model.toString()), console.err());
        ModelConfig config = ModelConfig.fromYaml(FIXTURES.resolve("ratplus.yaml"));
        RatLanguageModel twin = RatLanguageModel.fromParameters(config,
                SafeTensors.read(FIXTURES.resolve("ratplus-legacy-f32.safetensors"), DataType.FLOAT), DataType.FLOAT);
        int[][] ids = {{5, 9, 60, 1, 33, 2, 7, 41, 12, 0, 63, 8, 19, 27, 4, 50}};
        INDArray diff = ModelIO.load(model, DataType.FLOAT).logits(ids).sub(twin.logits(ids));
        assertTrue(diff.amaxNumber().doubleValue() <= 1e-6, diff.amaxNumber().toString());

        assertEquals(2, run("import", "--from", fixture("ratplus-legacy-f32.pth"), "--config", fixture("ratplus.yaml"),
                "--out", model.toString()));
        assertTrue(console.err().contains("already holds a model; pass --overwrite"), console.err());
        assertEquals(0, run("import", "--from", fixture("ratplus-legacy-f32.pth"), "--config", fixture("ratplus.yaml"),
                "--out", model.toString(), "--overwrite", "model.backbone.seq_cell.local_size=5"));
        assertTrue(Files.readString(model.resolve(ModelIO.CONFIG)).matches("(?s).*\"local_size\"\\s*:\\s*5\\b.*"),
                "the override reached config.json");
    }

    @Test
    void theMaliciousCheckpointIsRefusedAndNothingIsWritten(@TempDir Path dir) {
        Path model = dir.resolve("never");
        assertEquals(2, run("import", "--from", fixture("malicious.pth"), "--config", fixture("rat.yaml"), "--out", model.toString()));
        assertTrue(console.err().contains("rat4j import: error: ") && console.err().contains("'posix.system'"), console.err());
        assertFalse(Files.exists(model));
    }

    @Test
    void aMismatchedConfigIsOneErrorAndNothingIsWritten(@TempDir Path dir) {
        Path model = dir.resolve("never");
        assertEquals(2, run("import", "--from", fixture("rat-f32.pth"), "--config", fixture("rat.yaml"), "--out", model.toString(),
                "model.backbone.seq_cell.ngroups=1"));
        assertTrue(console.err().contains("backbone.layers.0.seq_layer.in_proj.weight is [80, 16] in the checkpoint, the config needs [64, 16]"),
                console.err());
        assertEquals(1, console.err().strip().lines().count(), console.err());
        assertFalse(Files.exists(model));
    }

    @Test
    void listPrintsTheMappedTensors() {
        assertEquals(0, run("import", "--from", fixture("rat-bf16.pth"), "--list"));
        String text = console.out();
        assertTrue(text.contains("# state dict at the top level: 17 entries"), text);
        assertTrue(text.contains("# removed the 'module.' prefix from 17 names"), text);
        assertTrue(text.contains("\nembedding.wte.weight [64, 16] bfloat16\n"), text);
        assertTrue(text.contains("\nbackbone.layers.1.seq_layer.in_proj.weight [80, 16] bfloat16\n"), text);

        console.resetOut();
        assertEquals(0, run("import", "--from", fixture("rat-f32.pth"), "--list"));
        assertTrue(console.out().contains("# the checkpoint's own config (reference names): model = {\"backbone\":{\"seq_cell\":"
                + "{\"_name_\":\"rat\",\"chunk_size\":4,\"ngroups\":2}},\"d_model\":16,\"n_layers\":2}"), console.out());

        assertEquals(2, run("import", "--from", fixture("rat-bf16.pth")));
        assertTrue(console.err().contains("--config FILE and --out DIR are required"), console.err());
    }
}
