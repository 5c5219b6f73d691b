package org.rat4j.zoo;

import org.deeplearning4j.common.resources.DL4JResources;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.rat4j.data.iter.SamplingMode;
import org.rat4j.data.iter.TokenWindowDataSetIterator;
import org.rat4j.data.iter.TokenWindowSampler;
import org.rat4j.data.shard.ArrayTokenSource;
import org.rat4j.data.tokenizer.ModelTokenizers;
import org.rat4j.data.tokenizer.Tokenizers;
import org.rat4j.dl4j.Dl4jFormat;
import org.rat4j.io.ModelIO;
import org.rat4j.model.ModelConfig;
import org.rat4j.model.RatLanguageModel;

import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The recipe of docs/models.md ("Fine-tuning a pretrained RAT in DL4J"), line for line, on tiny-rat: pull the
 * pretrained graph, give it an updater with TransferLearning, fit it on token windows, take the weights back to rat4j.
 * Only the data source (an array instead of token shards), the learning rate and the epochs are test-sized.
 */
class FineTuningRecipeTest {
    @AfterEach
    void restore() {
        DL4JResources.resetBaseDirectoryLocation();
    }

    @Test
    void theDocumentedRecipeFineTunesTinyRat(@TempDir Path dir) throws Exception {
        DL4JResources.setBaseDirectory(java.nio.file.Files.createDirectories(dir.resolve("dl4j")).toFile());
        ModelConfig config = RatZoo.TINY_RAT.config();
        ZooBundle.Written bundle = ZooBundle.write(RatLanguageModel.initialize(config, 3, DataType.FLOAT), "tiny-rat", dir.resolve("zoo"));
        String url = bundle.zip().toUri().toString();
        long adler32 = bundle.adler32();
        // 97 tokens: 6 windows of 16 + 1, an epoch of 3 batches of 2.
        SplittableRandom random = new SplittableRandom(9);
        int[] tokens = random.ints(97, 3, config.vocabSize()).toArray();
        ArrayTokenSource data = new ArrayTokenSource(tokens, config.vocabSize(), config.eosId());

        // --- the recipe (docs/models.md)
        ComputationGraph pretrained = RatZoo.TINY_RAT.model()
                .pretrained(url, adler32)
                .initPretrained();
        ComputationGraph net = new TransferLearning.GraphBuilder(pretrained)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Adam(1e-2)).build())
                .build();
        TokenWindowSampler windows = new TokenWindowSampler(data, 16, 2, SamplingMode.RANDOM, 1005);
        DataSet first = new TokenWindowDataSetIterator(new TokenWindowSampler(data, 16, 6, SamplingMode.ORDERED, 0)).next();
        double before = net.score(first);
        net.fit(new TokenWindowDataSetIterator(windows), 1);
        RatLanguageModel tuned = Dl4jFormat.fromComputationGraph(net, DataType.FLOAT);
        // --- end of the recipe

        double after = net.score(first);
        // ln(32000) = 10.4 untrained; 3 Adam steps at 1e-2 over these 96 targets bring it down by more than 1 (measured:
        // 10.40 -> 7.64 after 6 steps).
        assertTrue(after < before - 1, before + " -> " + after);
        assertEquals(after, tuned.loss(org.rat4j.model.TokenBatch.fromWindows(windowsOf(tokens))), 1e-4,
                "the rat4j model holds the fine-tuned weights");
        assumeTrue(Tokenizers.defaultAvailable(), "the LLaMA-2 tokenizer (scripts/setup.sh) is needed for the last step");
        Path saved = dir.resolve("models/tiny-rat-tuned");
        ModelTokenizers.save(tuned, Tokenizers.loadDefault(), saved);
        int[][] ids = {java.util.Arrays.copyOf(tokens, 16)};
        INDArray want = tuned.logits(ids);
        assertEquals(0.0, want.sub(ModelIO.load(saved, DataType.FLOAT).logits(ids)).amaxNumber().doubleValue());
    }

    /** The 6 windows of 17 tokens the ordered sampler cuts (consecutive windows share one token). */
    private static int[][] windowsOf(int[] tokens) {
        int[][] w = new int[6][17];
        for (int i = 0; i < 6; i++) System.arraycopy(tokens, 16 * i, w[i], 0, 17);
        return w;
    }
}
