package org.rat4j.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.rat4j.cli.ConsoleCapture;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rat4j.io.ModelIO;
import org.rat4j.model.RatLanguageModel;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** rat4j init / score / generate as a user runs them, including their errors. */
class CoreCommandsTest {
    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    static Path config(Path dir, String cell) throws Exception {
        Path f = dir.resolve("m.yaml");
        Files.writeString(f, "model:\n  vocab_size: 60\n  d_model: 16\n  n_layers: 2\n  num_heads: 2\n  seq_len: 32\n"
                + "  backbone:\n    seq_cell:\n" + cell);
        return f;
    }

    @Test
    void initScoreGenerate(@TempDir Path dir) throws Exception {
        Path cfg = config(dir, "      type: rat\n      chunk_size: 4\n      ngroups: 2\n");
        Path model = dir.resolve("model");
        assertEquals(0, Rat4j.run(new String[]{"init", "--config", cfg.toString(), "--seed", "3", "--out", model.toString()}));
        assertTrue(Files.isRegularFile(model.resolve(ModelIO.WEIGHTS)) && Files.isRegularFile(model.resolve(ModelIO.CONFIG)));
        assertEquals(2, Rat4j.run(new String[]{"init", "--config", cfg.toString(), "--out", model.toString()}));
        assertTrue(console.err().contains("--overwrite"), console.err());

        // score: 6 tokens (not a multiple of L = 4) give [6, 60] logits equal to the API's forward on the padded input.
        Path npy = dir.resolve("l.npy");
        assertEquals(0, Rat4j.run(new String[]{"score", "--model", model.toString(), "--tokens", "1,5,9,13,2,7", "--out", npy.toString()}));
        float[][] got = readNpy(npy, 6, 60);
        RatLanguageModel m = ModelIO.load(model, DataType.FLOAT);
        INDArray want = m.logits(new int[][]{{1, 5, 9, 13, 2, 7, 0, 0}}).slice(0);
        for (int t = 0; t < 6; t++) {
            for (int v = 0; v < 60; v++) assertEquals(want.getFloat(t, v), got[t][v], 1e-6f);
        }

        // generate: greedy continuation equals the argmax of the full forward at every step.
        console.resetOut();
        assertEquals(0, Rat4j.run(new String[]{"generate", "--model", model.toString(), "--tokens", "1,5,9", "--max-new", "9", "--no-stop"}));
        int[] gen = Arrays.stream(console.out().trim().split(",")).mapToInt(Integer::parseInt).toArray();
        assertEquals(9, gen.length);
        int[] all = new int[12];
        System.arraycopy(new int[]{1, 5, 9}, 0, all, 0, 3);
        System.arraycopy(gen, 0, all, 3, 9);
        INDArray full = m.logits(new int[][]{all}).slice(0);
        for (int t = 2; t < 11; t++) assertEquals(Nd4j.argMax(full.getRow(t)).getInt(0), all[t + 1], "position " + t);

        // A batch of two prompts prints two lines.
        console.resetOut();
        assertEquals(0, Rat4j.run(new String[]{"generate", "--model", model.toString(), "--tokens", "1,5,9", "--tokens", "4",
                "--max-new", "3", "--temperature", "0.9", "--top-k", "5", "--seed", "2"}));
        assertEquals(2, console.out().trim().split("\n").length);
    }

    @Test
    void badInputGivesOneLineErrors(@TempDir Path dir) throws Exception {
        Path cfg = config(dir, "      type: rat\n      chunk_size: 4\n");
        Path model = dir.resolve("model");
        assertEquals(0, Rat4j.run(new String[]{"init", "--config", cfg.toString(), "--out", model.toString()}));

        assertEquals(2, Rat4j.run(new String[]{"scroe"}));
        assertTrue(console.err().contains("did you mean 'score'"), console.err());
        assertEquals(2, Rat4j.run(new String[]{"score", "--model", model.toString(), "--tokens", "1,999", "--out", dir.resolve("x.npy").toString()}));
        assertTrue(console.err().contains("token id 999"), console.err());
        assertEquals(2, Rat4j.run(new String[]{"score", "--model", model.toString(), "--tokens", "1,a", "--out", dir.resolve("x.npy").toString()}));
        assertTrue(console.err().contains("'a' is not an integer"), console.err());
        assertEquals(2, Rat4j.run(new String[]{"init", "--config", dir.resolve("nope.yaml").toString(), "--out", dir.resolve("m2").toString()}));
        assertTrue(console.err().contains("config file not found"), console.err());
        assertEquals(2, Rat4j.run(new String[]{"generate", "--model", model.toString()}));
        assertTrue(console.err().contains("nothing to continue: give --prompt TEXT, --prompt-file FILE or --tokens IDS"), console.err());

        Files.writeString(cfg, Files.readString(cfg).replace("chunk_size", "chunk_sise"));
        assertEquals(2, Rat4j.run(new String[]{"init", "--config", cfg.toString(), "--out", dir.resolve("m3").toString()}));
        assertTrue(console.err().contains("did you mean 'model.backbone.seq_cell.chunk_size'"), console.err());

        try (RandomAccessFile f = new RandomAccessFile(model.resolve(ModelIO.WEIGHTS).toFile(), "rw")) {
            f.setLength(f.length() / 2);
        }
        assertEquals(2, Rat4j.run(new String[]{"generate", "--model", model.toString(), "--tokens", "1"}));
        assertTrue(console.err().contains("is truncated"), console.err());
        assertFalse(console.err().contains("\tat "), "no stack traces: " + console.err());
    }

    @Test
    void everyCommandHasHelp() throws Exception {
        for (String c : new String[]{"init", "score", "generate"}) {
            console.resetOut();
            assertEquals(0, Rat4j.run(new String[]{c, "--help"}));
            assertTrue(console.out().contains("usage: rat4j " + c), console.out());
        }
        console.resetOut();
        assertEquals(0, Rat4j.run(new String[]{"--help"}));
        assertTrue(console.out().contains("generate"));
    }

    static float[][] readNpy(Path file, int rows, int cols) throws Exception {
        byte[] b = Files.readAllBytes(file);
        assertEquals((byte) 0x93, b[0]);
        int headerLen = (b[8] & 0xFF) | (b[9] & 0xFF) << 8;
        String header = new String(b, 10, headerLen);
        assertTrue(header.contains("'descr': '<f4'") && header.contains("(" + rows + ", " + cols + ")"), header);
        assertEquals(0, (10 + headerLen) % 64);
        ByteBuffer data = ByteBuffer.wrap(b, 10 + headerLen, rows * cols * 4).order(ByteOrder.LITTLE_ENDIAN);
        float[][] m = new float[rows][cols];
        for (float[] row : m) for (int j = 0; j < cols; j++) row[j] = data.getFloat();
        return m;
    }

    /** --cache-dtype bf16 decodes with bfloat16 caches: greedy ids from a tiny model match float32 caches here. */
    @Test
    void generateWithBf16Caches(@TempDir Path dir) throws Exception {
        Path cfg = config(dir, "      type: attention\n");
        Path model = dir.resolve("model");
        assertEquals(0, Rat4j.run(new String[]{"init", "--config", cfg.toString(), "--seed", "3", "--out", model.toString()}));
        String[] base = {"generate", "--model", model.toString(), "--tokens", "1,5,9", "--max-new", "6", "--no-stop"};
        assertEquals(0, Rat4j.run(base));
        String f32 = console.out().trim();
        console.resetOut();
        String[] bf16 = Arrays.copyOf(base, base.length + 2);
        bf16[base.length] = "--cache-dtype";
        bf16[base.length + 1] = "bf16";
        assertEquals(0, Rat4j.run(bf16));
        assertEquals(6, console.out().trim().split(",").length);
        assertEquals(f32, console.out().trim(), "a random tiny model's greedy choices are far apart; bf16 keeps them");
        bf16[base.length + 1] = "fp8";
        assertEquals(2, Rat4j.run(bf16));
        assertTrue(console.err().contains("--cache-dtype must be float32 or bf16, got 'fp8'"), console.err());
    }
}
