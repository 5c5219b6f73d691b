package org.rat4j.launcher;

import com.sun.net.httpserver.HttpServer;
import org.deeplearning4j.common.resources.DL4JResources;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.rat4j.cli.ConsoleCapture;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.dl4j.Dl4jFormat;
import org.rat4j.io.ModelIO;
import org.rat4j.model.ModelConfig;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.train.MetricsLog;
import org.rat4j.zoo.RatZoo;
import org.rat4j.zoo.RatZooModel;
import org.rat4j.zoo.ZooBundle;

import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * rat4j export as a user runs it: the zoo round trip (export, serve over file: and over HTTP on 127.0.0.1,
 * initPretrained, identical logits), the model card, the dl4j and safetensors formats, and one-line errors.
 */
class ExportCommandTest {
    static final String CONFIG = "model:\n  vocab_size: 286\n  d_model: 16\n  n_layers: 2\n  num_heads: 2\n  seq_len: 32\n"
            + "  backbone:\n    seq_cell:\n      type: rat\n      chunk_size: 4\n";
    static final int[][] IDS = {{1, 40, 270, 285, 2, 0, 100, 7, 33, 259, 260, 261, 5, 6, 200, 150}};

    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();
    private HttpServer server;
    @TempDir
    Path cache;

    private String stdout() {
        return console.out();
    }

    /** A run folder as rat4j train leaves it: config.yaml, metrics.csv (validation at steps 2 and 4) and final/. */
    private Path run(Path dir) throws Exception {
        Path run = dir.resolve("run");
        Files.createDirectories(run);
        Path cfg = run.resolve("config.yaml");
        Files.writeString(cfg, CONFIG + "data:\n  format: lm\n  train: corpus/austen.txt\n  valid: corpus/valid.txt\n"
                + "train:\n  steps: 4\n  batch_size: 2\n");
        assertEquals(0, Rat4j.run(new String[]{"init", "--config", cfg.toString(), "--seed", "5", "--tokenizer",
                TextCommandsTest.tokenizerFile(dir).toString(), "--out", run.resolve("final").toString()}), console.err());
        MetricsLog m = new MetricsLog(run);
        for (int step = 1; step <= 4; step++) {
            double val = step % 2 == 0 ? 5.5 - step * 0.25 : Double.NaN;
            m.add(new MetricsLog.Row(step, step * 64L, 1e-3, 5.6, 5.6, 1, 100, step, val, Math.exp(val), 500));
        }
        m.flush();
        return run;
    }

    private static INDArray logits(RatLanguageModel m) {
        return m.logits(IDS);
    }

    private static void assertIdentical(INDArray want, INDArray got) {
        assertArrayEquals(want.shape(), got.shape());
        assertEquals(0.0, want.sub(got).amaxNumber().doubleValue(), "identical logits");
    }

    @Test
    void zooRoundTripOverFileAndLoopbackGivesIdenticalLogits(@TempDir Path dir) throws Exception {
        Path run = run(dir);
        Path model = run.resolve("final");
        Files.createDirectories(run.resolve("eval"));
        Files.writeString(run.resolve("eval/results.json"), "{\"niah_single_1\": {\"4096\": 0.875}}");
        Path bundle = dir.resolve("zoo/letters-rat");
        assertEquals(0, Rat4j.run(new String[]{"export", "--model", model.toString(), "--format", "zoo", "--out", bundle.toString()}), console.err());
        try (Stream<Path> files = Files.list(bundle)) {
            assertEquals(List.of("README.md", "config.json", "letters-rat.zip", "letters-rat.zip.adler32", ModelIO.TOKENIZER_FILE,
                    ModelIO.TOKENIZER_INFO), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        // the bundle carries the model's tokenizer: the same entry, its file checked against its SHA-256
        assertEquals(ModelIO.tokenizer(model).orElseThrow().sha256(), ModelIO.tokenizer(bundle).orElseThrow().sha256());
        long adler = ZooBundle.readChecksum(bundle.resolve("letters-rat.zip.adler32"));
        assertEquals(ZooBundle.adler32(bundle.resolve("letters-rat.zip")), adler);
        INDArray want = logits(ModelIO.load(model, DataType.FLOAT));
        ModelConfig config = ModelConfig.fromJson(bundle.resolve("config.json"));

        // file: URL, as the card's default line says
        String fileUrl = bundle.toAbsolutePath().resolve("letters-rat.zip").toUri().toString();
        assertTrue(stdout().contains("RatZooModel.of(\"letters-rat\", ModelConfig.fromJson(Path.of(\"config.json\"))).pretrained(\""
                + fileUrl + "\", " + adler + "L).initPretrained()"), stdout());
        ComputationGraph net = RatZooModel.of("letters-rat", config).pretrained(fileUrl, adler).initPretrained();
        assertIdentical(want, logits(Dl4jFormat.fromComputationGraph(net, DataType.FLOAT)));

        // HTTP on 127.0.0.1, into a fresh cache
        DL4JResources.setBaseDirectory(Files.createDirectories(dir.resolve("cache2")).toFile());
        byte[] zip = Files.readAllBytes(bundle.resolve("letters-rat.zip"));
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/models/letters-rat.zip", exchange -> {
            exchange.sendResponseHeaders(200, zip.length);
            try (OutputStream body = exchange.getResponseBody()) {
                body.write(zip);
            }
        });
        server.start();
        String httpUrl = "http://127.0.0.1:" + server.getAddress().getPort() + "/models/letters-rat.zip";
        net = RatZooModel.of("letters-rat", config).pretrained(httpUrl, adler).initPretrained();
        assertIdentical(want, logits(Dl4jFormat.fromComputationGraph(net, DataType.FLOAT)));
        assertTrue(Files.isRegularFile(dir.resolve("cache2/models/rat4j-letters-rat/letters-rat.zip")));

        String card = Files.readString(bundle.resolve("README.md"));
        long params = config.parameterCount();
        assertTrue(card.startsWith("# letters-rat\n"), card);
        assertTrue(card.contains(String.format("**%,d parameters** (float32)", params)), card);
        assertTrue(card.contains("Architecture: not one of rat4j's zoo configs"), card);
        assertTrue(card.contains("Adler32 " + adler + " (what DL4J's zoo checks)"), card);
        assertTrue(card.contains("`letters-286` (SHA-256 `"), card);
        assertTrue(card.contains("This bundle carries it: `tokenizer_info.json` and its file `tokenizer.rat4j`"), card);
        assertTrue(card.contains("train: corpus/austen.txt") && card.contains("valid: corpus/valid.txt"), card);
        assertTrue(card.contains("Configured for 4 steps of 2 sequences of 32 tokens. Trained 4 steps, 256 tokens"), card);
        assertTrue(card.contains("Validation during training: loss 4.5000 (perplexity 90.02) at step 4."), card);
        assertTrue(card.contains("\"niah_single_1\" : {\n    \"4096\" : 0.875"), card);
        assertFalse(card.contains(ModelCard.NO_EVALUATION), card);
    }

    @Test
    void theReadmesTinyRatIsExportedAsItsZooArchitecture(@TempDir Path dir) throws Exception {
        // The README's main job trains tiny-rat at seq_len 128; the card and the Java line name RatZoo.TINY_RAT.
        Path model = dir.resolve("tiny-rat");
        Path cfg = dir.resolve("tiny-rat-128.yaml");
        String yaml = Files.readString(Path.of("../configs/model/tiny-rat.yaml"));
        assertTrue(yaml.contains("seq_len: 256\n"));
        Files.writeString(cfg, yaml.replace("seq_len: 256\n", "seq_len: 128\n"));
        assertEquals(0, Rat4j.run(new String[]{"init", "--config", cfg.toString(), "--tokenizer", "none", "--out", model.toString()}), console.err());
        Path bundle = dir.resolve("bundle");
        assertEquals(0, Rat4j.run(new String[]{"export", "--model", model.toString(), "--format", "zoo", "--out", bundle.toString(),
                "--name", "tiny-rat-austen", "--url", "https://example.org/zoo/tiny-rat-austen.zip"}), console.err());
        long adler = ZooBundle.readChecksum(bundle.resolve("tiny-rat-austen.zip.adler32"));
        String card = Files.readString(bundle.resolve("README.md"));
        assertTrue(card.contains("Architecture: `tiny-rat` of rat4j's DL4J model zoo (`RatZoo.TINY_RAT`, configs/model/tiny-rat.yaml, "
                + "trained at seq_len 128 instead of 256)."), card);
        assertTrue(card.contains("ComputationGraph net = RatZoo.TINY_RAT.model()\n        .pretrained(\"https://example.org/zoo/tiny-rat-austen.zip\", "
                + adler + "L)\n        .initPretrained();"), card);
        assertTrue(card.contains(String.format("**%,d parameters**", RatZoo.TINY_RAT.config().parameterCount())), card);
        assertTrue(card.contains("None stored with the model"), card);
        assertFalse(Files.exists(bundle.resolve(ModelIO.TOKENIZER_INFO)), "no tokenizer, no entry");
        assertTrue(card.contains("No run folder next to the model"), card);
        assertTrue(card.contains(ModelCard.NO_EVALUATION), card);

        String url = bundle.resolve("tiny-rat-austen.zip").toUri().toString();
        ComputationGraph net = RatZoo.TINY_RAT.model().pretrained(url, adler).initPretrained();
        assertIdentical(logits(ModelIO.load(model, DataType.FLOAT)), logits(Dl4jFormat.fromComputationGraph(net, DataType.FLOAT)));
    }

    @Test
    void dl4jFormatIsAModelSerializerZipOfTheSameModel(@TempDir Path dir) throws Exception {
        Path model = run(dir).resolve("final");
        Path zip = dir.resolve("out/model.zip");
        assertEquals(0, Rat4j.run(new String[]{"export", "--model", model.toString(), "--format", "dl4j", "--out", zip.toString()}), console.err());
        assertTrue(stdout().startsWith("wrote " + zip), stdout());
        INDArray want = logits(ModelIO.load(model, DataType.FLOAT));
        assertIdentical(want, logits(Dl4jFormat.load(zip, DataType.FLOAT)));
        ComputationGraph net = ModelSerializer.restoreComputationGraph(zip.toFile(), false);
        assertIdentical(want, logits(Dl4jFormat.fromComputationGraph(net, DataType.FLOAT)));

        // An existing file is refused, then replaced with --overwrite; no temporary file stays behind.
        assertEquals(2, Rat4j.run(new String[]{"export", "--model", model.toString(), "--format", "dl4j", "--out", zip.toString()}));
        assertTrue(console.err().contains("rat4j export: error: " + zip + " already exists; pass --overwrite"), console.err());
        assertEquals(0, Rat4j.run(new String[]{"export", "--model", model.toString(), "--format", "dl4j", "--out", zip.toString(), "--overwrite"}));
        try (Stream<Path> files = Files.list(zip.getParent())) {
            assertEquals(List.of("model.zip"), files.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void safetensorsFormatIsACleanModelFolderWithItsTokenizer(@TempDir Path dir) throws Exception {
        Path model = run(dir).resolve("final");
        // A checkpoint's extra files do not travel.
        Files.writeString(model.resolve("optimizer.safetensors"), "not copied");
        Path copy = dir.resolve("copy");
        assertEquals(0, Rat4j.run(new String[]{"export", "--model", model.toString(), "--format", "safetensors", "--out", copy.toString()}), console.err());
        try (Stream<Path> files = Files.list(copy)) {
            assertEquals(List.of(ModelIO.CONFIG, ModelIO.WEIGHTS, ModelIO.TOKENIZER_FILE, ModelIO.TOKENIZER_INFO),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals(ModelIO.tokenizer(model).orElseThrow().sha256(), ModelIO.tokenizer(copy).orElseThrow().sha256());
        assertIdentical(logits(ModelIO.load(model, DataType.FLOAT)), logits(ModelIO.load(copy, DataType.FLOAT)));
        assertEquals(0, Rat4j.run(new String[]{"export", "--model", model.toString(), "--format", "safetensors", "--out", copy.toString(), "--overwrite"}));
    }

    @Test
    void theCardOfACheckpointReadsItsTrainerStateAndTheMetricsUpToItsStep(@TempDir Path dir) throws Exception {
        Path run = run(dir);
        Path ckpt = run.resolve("checkpoints/step-0000003");
        Files.createDirectories(ckpt);
        Files.writeString(ckpt.resolve("trainer.json"), "{\"step\": 3, \"tokensSeen\": 192, \"config\": {\"data\": {\"train\": "
                + "\"shards/fineweb\"}, \"train\": {\"steps\": 4, \"batch_size\": 2}, \"model\": {\"seq_len\": 32}}}");
        String training = ModelCard.training(ckpt);
        assertTrue(training.contains("trainer.json` (the checkpoint's trainer state)") && training.contains("train: shards/fineweb"), training);
        assertTrue(training.contains("Trained 3 steps, 192 tokens") && training.contains("loss 5.0000 (perplexity 148.41) at step 2."), training);
        assertTrue(ModelCard.evaluation(ckpt).startsWith(ModelCard.NO_EVALUATION));
    }

    /** Runs a command that must fail with exit code 2 and one line on standard error; returns that line. */
    private String refused(String... args) {
        console.resetErr();
        assertEquals(2, Rat4j.run(args), console.err());
        String e = console.err().strip();
        assertEquals(1, e.lines().count(), e);
        assertFalse(e.contains("Exception"), e);
        return e;
    }

    @Test
    void badInputIsOneLineAndWritesNothing(@TempDir Path dir) throws Exception {
        Path model = run(dir).resolve("final");
        String m = model.toString();
        Path target = dir.resolve("target");
        assertTrue(refused("export", "--model", m, "--out", target.toString()).contains("--format dl4j|zoo|safetensors"));
        assertTrue(refused("export", "--model", m, "--format", "zo", "--out", target.toString()).endsWith("did you mean 'zoo'? (dl4j, zoo or safetensors)"));
        assertTrue(refused("export", "--model", dir.resolve("nothing").toString(), "--format", "zoo", "--out", target.toString())
                .contains("model directory not found"));
        assertTrue(refused("export", "--model", m, "--format", "dl4j", "--name", "x", "--out", target.toString())
                .contains("--name and --url belong to --format zoo"));
        assertTrue(refused("export", "--model", m, "--format", "zoo", "--name", "../up", "--out", target.toString())
                .contains("cannot name a zoo model"));
        assertTrue(refused("export", "--model", m, "--format", "safetensors", "--out", m, "--overwrite")
                .contains("is the model directory itself"));
        assertFalse(Files.exists(target));

        // --overwrite replaces an earlier export, never a folder holding something else.
        Files.createDirectories(target);
        Files.writeString(target.resolve("notes.txt"), "mine");
        assertTrue(refused("export", "--model", m, "--format", "zoo", "--out", target.toString()).contains("already exists; pass --overwrite"));
        assertTrue(refused("export", "--model", m, "--format", "zoo", "--out", target.toString(), "--overwrite")
                .contains("holds notes.txt, which an export --format zoo does not write"));
        assertTrue(refused("export", "--model", m, "--format", "dl4j", "--out", target.toString(), "--overwrite")
                .contains("is not a file; --format dl4j writes one zip file"));
        assertEquals("mine", Files.readString(target.resolve("notes.txt")));
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().startsWith(".")), "no temporary folder left");
        }
    }
}
