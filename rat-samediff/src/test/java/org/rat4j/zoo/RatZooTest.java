package org.rat4j.zoo;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rat4j.config.ConfigException;
import org.rat4j.dl4j.Dl4jFormat;
import org.rat4j.model.ModelConfig;
import org.rat4j.model.RatLanguageModel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The zoo's architectures are exactly the shipped configs, and a tiny one builds and runs as DL4J's graph. */
class RatZooTest {
    static final Path CONFIGS = Path.of("..", "configs", "model");

    @Test
    void theZooIsExactlyTheShippedConfigs() throws IOException {
        Set<String> files;
        try (Stream<Path> s = Files.list(CONFIGS)) {
            files = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml"))
                    .map(n -> n.substring(0, n.length() - ".yaml".length())).collect(Collectors.toSet());
        }
        assertEquals(files, Arrays.stream(RatZoo.values()).map(RatZoo::id).collect(Collectors.toSet()));
        for (RatZoo z : RatZoo.values()) {
            Path file = CONFIGS.resolve(z.id() + ".yaml");
            assertEquals(ModelConfig.fromYaml(file), z.config(), z.id());
            assertEquals(Files.readAllLines(file).get(0).substring(1).strip(), z.description(), z.id());
            assertSame(z, RatZoo.of(z.id()));
        }
        assertEquals(1_298_810_880L, RatZoo.RAT_XL.model().config().parameterCount());
        assertEquals(7_647_531_008L, RatZoo.RATPLUS_7B.config().parameterCount());
    }

    /** The table of docs/models.md ("The DL4J model zoo") is the configs', row for row. */
    @Test
    void theDocsTableIsTheConfigs() throws IOException {
        List<String> rows = Files.readAllLines(Path.of("..", "docs", "models.md")).stream()
                .dropWhile(l -> !l.equals("## The DL4J model zoo")).filter(l -> l.startsWith("| `")).toList();
        List<String> want = new ArrayList<>();
        for (RatZoo z : RatZoo.values()) {
            ModelConfig c = z.config();
            double bytes = 4.0 * c.parameterCount();
            want.add(String.format(Locale.ROOT, "| `%s` | %s | %d | %d | %d | %,d | %s |", z.id(), c.describeMixers(), c.nLayers(),
                    c.dModel(), c.seqLen(), c.parameterCount(),
                    bytes < 1e9 ? String.format(Locale.ROOT, "%.0f MB", bytes / 1e6) : String.format(Locale.ROOT, "%.1f GB", bytes / 1e9)));
        }
        assertEquals(want, rows.subList(0, Math.min(rows.size(), want.size())));
    }

    @Test
    void namesAndMatching() {
        ConfigException e = assertThrows(ConfigException.class, () -> RatZoo.of("tiny-ratt"));
        assertTrue(e.getMessage().contains("did you mean 'tiny-rat'?"), e.getMessage());
        assertSame(RatZoo.RAT_SWA_INTERLEAVE_XL, RatZoo.of("RAT_SWA_INTERLEAVE_XL"));
        assertEquals("rat-swa-interleave-xl", RatZoo.RAT_SWA_INTERLEAVE_XL.id());
        for (RatZoo z : RatZoo.values()) assertEquals(z, RatZoo.matching(z.config()).orElseThrow(), z.id());
        // The README's tiny RAT trains on 128 of the config's 256 tokens: still tiny-rat.
        Map<String, Object> tree = RatZoo.TINY_RAT.config().toMap();
        tree.put("seq_len", 128);
        assertEquals(RatZoo.TINY_RAT, RatZoo.matching(ModelConfig.fromTree(Map.of("model", tree), "t")).orElseThrow());
        tree.put("vocab_size", 50257);
        assertTrue(RatZoo.matching(ModelConfig.fromTree(Map.of("model", tree), "t")).isEmpty());
    }

    @Test
    void tinyRatInitIsDl4jsGraphOfTheConfig() {
        RatZooModel zoo = RatZoo.TINY_RAT.model();
        assertEquals("rat4j-tiny-rat", zoo.modelName());
        ComputationGraph net = zoo.init();
        assertEquals(RatZoo.TINY_RAT.config().parameterCount(), net.numParams());
        // The graph computes what the SameDiff model of its weights computes.
        RatLanguageModel model = Dl4jFormat.fromComputationGraph(net, DataType.FLOAT);
        int[][] ids = {{1, 306, 4658, 263, 31999, 2, 0, 17, 29871, 13, 1576, 338, 263, 1243, 29889, 12}};
        INDArray features = Nd4j.create(DataType.FLOAT, 1, 1, ids[0].length);
        for (int t = 0; t < ids[0].length; t++) features.putScalar(new int[]{0, 0, t}, ids[0][t]);
        INDArray graph = net.outputSingle(features);                             // [B, V, T]
        INDArray want = model.logits(ids).permute(0, 2, 1);
        assertTrue(graph.sub(want).amaxNumber().doubleValue() < 1e-4, graph.sub(want).amaxNumber().toString());
    }
}
