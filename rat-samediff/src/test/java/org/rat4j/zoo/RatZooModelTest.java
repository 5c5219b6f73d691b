package org.rat4j.zoo;

import com.sun.net.httpserver.HttpServer;
import org.deeplearning4j.common.resources.DL4JResources;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.rat4j.TestModels;
import org.rat4j.attention.AttentionConfig;
import org.rat4j.config.ConfigException;
import org.rat4j.dl4j.Dl4jFormat;
import org.rat4j.model.ModelConfig;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.model.TokenBatch;
import org.rat4j.rat.RatConfig;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * DL4J's zoo contract on small models: init() is the untrained graph of the config, initPretrained() downloads a
 * bundle's zip over file: and over HTTP on 127.0.0.1 into DL4J's resource directory, checks its Adler32 and gives
 * the exported weights back exactly; damaged downloads leave nothing in the cache.
 */
class RatZooModelTest {
    static final ModelConfig CONFIG = TestModels.of(RatConfig.of(4, 2));
    static final int[][] IDS = TestModels.tokens(2, TestModels.SEQ, 3);

    @TempDir
    Path cache;
    private HttpServer server;
    /** Bytes the server hands out, by path; requests counted by path. */
    private final Map<String, byte[]> served = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();

    @BeforeEach
    void useATemporaryResourceDirectory() {
        DL4JResources.setBaseDirectory(cache.toFile());
    }

    @AfterEach
    void restore() {
        DL4JResources.resetBaseDirectoryLocation();
        if (server != null) server.stop(0);
    }

    /** Serves {@link #served} on 127.0.0.1 at an ephemeral port; returns the base URL. */
    String serve() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            requests.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            byte[] body = served.get(path);
            if (body == null) {
                exchange.sendResponseHeaders(404, -1);
            } else {
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
            exchange.close();
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    static RatLanguageModel trained(ModelConfig config, long seed) {
        return RatLanguageModel.initialize(config, seed, DataType.FLOAT);
    }

    /** The graph's logits on {@link #IDS} equal the model's bit for bit (INDArray.equals allows 1e-5). */
    static void assertSameLogits(RatLanguageModel want, ComputationGraph net) {
        INDArray a = want.logits(IDS);
        INDArray b = Dl4jFormat.fromComputationGraph(net, DataType.FLOAT).logits(IDS);
        assertArrayEquals(a.shape(), b.shape());
        assertEquals(0.0, a.sub(b).amaxNumber().doubleValue(), "identical logits");
    }

    /** Files under the resource directory, hidden ones included. */
    List<String> cached() throws IOException {
        try (Stream<Path> files = Files.walk(cache)) {
            return files.filter(Files::isRegularFile).map(p -> cache.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void initIsTheUntrainedGraphOfTheConfig() {
        RatZooModel zoo = RatZooModel.of("small", CONFIG).seed(7);
        ComputationGraph a = zoo.init();
        assertEquals(CONFIG, Dl4jFormat.layer(a).modelConfig());
        assertEquals(CONFIG.parameterCount(), a.numParams());
        assertEquals(a.params(), zoo.init().params(), "the same seed gives the same weights");
        assertNotEquals(a.params(), zoo.seed(8).init().params());
        assertEquals(DataType.DOUBLE, RatZooModel.of("small", CONFIG).dataType(DataType.DOUBLE).init().params().dataType());
        assertEquals("rat4j-small", zoo.modelName());
        assertEquals(ComputationGraph.class, zoo.modelType());
        assertArrayEquals(new int[][]{{1, TestModels.SEQ}}, zoo.metaData().getInputShape());
    }

    @Test
    void initPretrainedOverFileUrlGivesTheExportedWeights(@TempDir Path bundle) throws Exception {
        RatLanguageModel source = trained(CONFIG, 11);
        ZooBundle.Written w = ZooBundle.write(source, "small", bundle);
        assertEquals(w.adler32(), ZooBundle.readChecksum(bundle.resolve("small.zip.adler32")));
        assertEquals(w.adler32(), ZooBundle.adler32(w.zip()));
        assertEquals(CONFIG, ModelConfig.fromJson(bundle.resolve("config.json")));

        RatZooModel zoo = RatZooModel.of("small", CONFIG).pretrained(w.zip().toUri().toString(), w.adler32());
        assertTrue(zoo.pretrainedAvailable(null));
        ComputationGraph net = zoo.initPretrained();
        assertSameLogits(source, net);
        assertEquals(List.of("models/rat4j-small/small.zip"), cached());
    }

    @Test
    void initPretrainedOverHttpOnLoopbackDownloadsOnceAndVerifies(@TempDir Path bundle) throws Exception {
        RatLanguageModel source = trained(CONFIG, 12);
        ZooBundle.Written w = ZooBundle.write(source, "small", bundle);
        served.put("/zoo/small.zip", Files.readAllBytes(w.zip()));
        String url = serve() + "/zoo/small.zip";

        RatZooModel zoo = RatZooModel.of("small", CONFIG).pretrained(url, w.adler32());
        assertSameLogits(source, zoo.initPretrained());
        assertSameLogits(source, zoo.initPretrained());
        assertEquals(1, requests.get("/zoo/small.zip").get(), "the second call uses the cache");

        // A new export under the same name: the cached file's checksum is not the new one, so it is fetched again.
        RatLanguageModel retrained = trained(CONFIG, 13);
        ZooBundle.Written w2 = ZooBundle.write(retrained, "small", bundle);
        served.put("/zoo/small.zip", Files.readAllBytes(w2.zip()));
        assertSameLogits(retrained, RatZooModel.of("small", CONFIG).pretrained(url, w2.adler32()).initPretrained());
        assertEquals(2, requests.get("/zoo/small.zip").get());
        assertEquals(List.of("models/rat4j-small/small.zip"), cached());
    }

    @Test
    void aCorruptedDownloadFailsItsChecksumAndLeavesNothingInTheCache(@TempDir Path bundle) throws Exception {
        ZooBundle.Written w = ZooBundle.write(trained(CONFIG, 14), "small", bundle);
        byte[] bytes = Files.readAllBytes(w.zip());
        bytes[bytes.length / 2] ^= 0x40;
        served.put("/small.zip", bytes);
        String url = serve() + "/small.zip";

        ConfigException e = assertThrows(ConfigException.class, () -> RatZooModel.of("small", CONFIG).pretrained(url, w.adler32()).initPretrained());
        assertTrue(e.getMessage().contains("failed its checksum: Adler32 ") && e.getMessage().contains("expected " + w.adler32())
                && e.getMessage().contains("nothing was cached"), e.getMessage());
        assertEquals(List.of(), cached());

        // The same over file:, and a truncated file.
        Path damaged = bundle.resolve("damaged.zip");
        Files.write(damaged, java.util.Arrays.copyOf(Files.readAllBytes(w.zip()), bytes.length - 100));
        e = assertThrows(ConfigException.class, () -> RatZooModel.of("small", CONFIG).pretrained(damaged.toUri().toString(), w.adler32()).initPretrained());
        assertTrue(e.getMessage().contains("failed its checksum"), e.getMessage());
        assertEquals(List.of(), cached());
    }

    @Test
    void aZipOfAnotherArchitectureIsRefused(@TempDir Path bundle) throws Exception {
        ModelConfig other = TestModels.of(AttentionConfig.full());
        ZooBundle.Written w = ZooBundle.write(trained(other, 1), "small", bundle);
        ConfigException e = assertThrows(ConfigException.class,
                () -> RatZooModel.of("small", CONFIG).pretrained(w.zip().toUri().toString(), w.adler32()).initPretrained());
        assertTrue(e.getMessage().contains("holds another model than zoo model small: backbone"), e.getMessage());

        // A different training length is the same architecture.
        Map<String, Object> tree = CONFIG.toMap();
        tree.put("seq_len", 8);
        ModelConfig shorter = ModelConfig.fromTree(Map.of("model", tree), "test");
        ZooBundle.Written w8 = ZooBundle.write(trained(shorter, 2), "short", bundle);
        ComputationGraph net = RatZooModel.of("small", CONFIG).pretrained(w8.zip().toUri().toString(), w8.adler32()).initPretrained();
        assertEquals(8, Dl4jFormat.layer(net).modelConfig().seqLen());
    }

    @Test
    void missingFilesAndBadUrlsAreOneLineErrors(@TempDir Path bundle) throws Exception {
        String base = serve();
        RatZooModel zoo = RatZooModel.of("small", CONFIG);
        assertTrue(assertThrows(ConfigException.class, zoo::initPretrained).getMessage().contains("has no pretrained weights yet"));
        assertFalse(zoo.pretrainedAvailable(null));
        ConfigException e = assertThrows(ConfigException.class, () -> zoo.pretrained(base + "/nothing.zip", 1).initPretrained());
        assertTrue(e.getMessage().contains("the server answered HTTP 404"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> zoo.pretrained(bundle.resolve("nothing.zip").toUri().toString(), 1).initPretrained());
        assertTrue(e.getMessage().contains("there is no such file"), e.getMessage());
        assertEquals(List.of(), cached());
        e = assertThrows(ConfigException.class, () -> zoo.pretrained("ftp://host/x.zip", 1));
        assertTrue(e.getMessage().contains("must start with file:, http: or https:"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> zoo.pretrained("http://host/models/", 1));
        assertTrue(e.getMessage().contains("does not end in a file name"), e.getMessage());
        assertThrows(ConfigException.class, () -> zoo.pretrained(base + "/x.zip", -1));
        assertThrows(ConfigException.class, () -> RatZooModel.of("../up", CONFIG));
    }

    /** A zip a DL4J user saved with its updater state (after fine-tuning, say) comes back with that state, as in DL4J. */
    @Test
    void aZipWithUpdaterStateComesBackWithIt(@TempDir Path dir) throws Exception {
        ComputationGraph net = RatZooModel.of("small", CONFIG).updater(new Adam(1e-3)).init();
        net.fit(Dl4jFormat.dataSet(TokenBatch.fromWindows(TestModels.tokens(2, TestModels.SEQ + 1, 6)), CONFIG.eosId(), DataType.FLOAT));
        Path zip = dir.resolve("tuned.zip");
        org.deeplearning4j.util.ModelSerializer.writeModel(net, zip.toFile(), true);
        ComputationGraph back = RatZooModel.of("small", CONFIG).pretrained(zip.toUri().toString(), ZooBundle.adler32(zip)).initPretrained();
        assertEquals(0.0, net.params().sub(back.params()).amaxNumber().doubleValue());
        assertEquals(0.0, net.getUpdater().getStateViewArray().sub(back.getUpdater().getStateViewArray()).amaxNumber().doubleValue());
        assertTrue(net.getUpdater().getStateViewArray().amaxNumber().doubleValue() > 0, "Adam's moments are not all zero");
    }

    @Test
    void setInputShapeSetsTheTrainingLength() {
        RatZooModel zoo = RatZooModel.of("small", CONFIG);
        zoo.setInputShape(new int[][]{{1, 64}});
        assertEquals(64, zoo.config().seqLen());
        assertEquals(CONFIG.dModel(), zoo.config().dModel());
        assertThrows(ConfigException.class, () -> zoo.setInputShape(new int[][]{{3, 64}}));
    }

    /** The fine-tuning recipe of docs/models.md: TransferLearning gives the restored graph an updater, and it learns. */
    @Test
    void aPretrainedGraphFineTunesWithTransferLearning(@TempDir Path bundle) throws Exception {
        ZooBundle.Written w = ZooBundle.write(trained(CONFIG, 15), "small", bundle);
        ComputationGraph pretrained = RatZooModel.of("small", CONFIG).pretrained(w.zip().toUri().toString(), w.adler32()).initPretrained();
        ComputationGraph net = new TransferLearning.GraphBuilder(pretrained)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Adam(1e-2)).seed(1).build())
                .build();
        DataSet batch = Dl4jFormat.dataSet(TokenBatch.fromWindows(TestModels.tokens(4, TestModels.SEQ + 1, 5)), CONFIG.eosId(), DataType.FLOAT);
        double before = net.score(batch);
        for (int i = 0; i < 20; i++) net.fit(batch);
        double after = net.score(batch);
        // ln(50) = 3.9 for an untrained model; 20 Adam steps on one batch of 64 tokens memorise much of it.
        assertTrue(after < before - 1.0, before + " -> " + after);
    }
}
