package org.rat4j.data.iter;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.NoOp;
import org.rat4j.attention.AttentionConfig;
import org.rat4j.config.ConfigException;
import org.rat4j.data.shard.ArrayTokenSource;
import org.rat4j.dl4j.Dl4jFormat;
import org.rat4j.model.ModelConfig;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.model.TokenBatch;

import java.util.NoSuchElementException;

import static org.junit.jupiter.api.Assertions.*;

class DataSetIteratorsTest {
    /** Documents of 5 tokens then EOS: 3 4 5 6 7 2 3 4 5 6 7 2 ... */
    private static ArrayTokenSource docs(int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) t[i] = i % 6 == 5 ? 2 : 3 + i % 6;
        return new ArrayTokenSource(t, 16, 2);
    }

    @Test
    void dataSetsMatchTheSamplerWindows() {
        // 73 tokens, T = 8: W = 9 windows, B = 4: two whole batches per epoch
        TokenWindowSampler reference = new TokenWindowSampler(docs(73), 8, 4, SamplingMode.RANDOM, 5);
        TokenWindowDataSetIterator it = new TokenWindowDataSetIterator(new TokenWindowSampler(docs(73), 8, 4, SamplingMode.RANDOM, 5));
        int batches = 0;
        while (it.hasNext()) {
            DataSet ds = it.next();
            int[][] w = reference.nextWindows();
            INDArray f = ds.getFeatures();
            INDArray l = ds.getLabels();
            assertArrayEquals(new long[]{4, 1, 8}, f.shape());
            assertArrayEquals(new long[]{4, 1, 8}, l.shape());
            assertNull(ds.getLabelsMaskArray());
            assertEquals(DataType.FLOAT, f.dataType());
            for (int b = 0; b < 4; b++) {
                for (int t = 0; t < 8; t++) {
                    assertEquals(w[b][t], f.getInt(b, 0, t));
                    boolean afterEos = w[b][t] == 2;
                    assertEquals(afterEos ? TokenBatch.IGNORE : w[b][t + 1], l.getInt(b, 0, t));
                }
            }
            batches++;
        }
        assertEquals(2, batches);
        assertThrows(NoSuchElementException.class, it::next);
        it.reset(); // skips window 8 of epoch 0, starts epoch 1
        reference.skipToNextEpoch();
        assertTrue(it.hasNext());
        assertEquals(reference.nextWindows()[0][0], it.next().getFeatures().getInt(0, 0, 0));
        assertEquals(9 + 4, it.sampler().consumed());
        assertEquals(8, it.inputColumns());
        assertEquals(16, it.totalOutcomes());
    }

    /** The iterator's batches are what rat4j's DL4J form trains on: its score is the model's own loss. */
    @Test
    void dataSetsFitTheDl4jFormOfTheModel() {
        ModelConfig config = ModelConfig.of(16, 8, 1, 2, 6, AttentionConfig.full());
        RatLanguageModel model = RatLanguageModel.initialize(config, 3, DataType.FLOAT);
        ComputationGraph net = Dl4jFormat.toComputationGraph(model, new NoOp());
        TokenWindowSampler sampler = new TokenWindowSampler(docs(49), 6, 2, SamplingMode.ORDERED, 0);
        TokenWindowSampler same = new TokenWindowSampler(docs(49), 6, 2, SamplingMode.ORDERED, 0);
        TokenWindowDataSetIterator it = new TokenWindowDataSetIterator(sampler);
        while (it.hasNext()) {
            double expected = model.loss(NextTokenTargets.fromWindows(same.nextWindows(), 2));
            assertEquals(expected, net.score(it.next()), 1e-5);
        }
        // The same batches from any source of TokenBatches, a fixed number of them.
        TokenWindowSampler again = new TokenWindowSampler(docs(49), 6, 2, SamplingMode.ORDERED, 0);
        TokenBatchIterator fixed = new TokenBatchIterator(() -> NextTokenTargets.fromWindows(again.nextWindows(), 2), 3, 2, 2);
        int n = 0;
        while (fixed.hasNext()) {
            assertArrayEquals(new long[]{2, 1, 6}, fixed.next().getLabels().shape());
            n++;
        }
        assertEquals(3, n);
        assertThrows(NoSuchElementException.class, fixed::next);
    }

    @Test
    void iteratorResumesFromSavedState() {
        TokenWindowDataSetIterator a = new TokenWindowDataSetIterator(new TokenWindowSampler(docs(301), 10, 3, SamplingMode.RANDOM, 3));
        a.next();
        a.next();
        SamplerState st = a.sampler().state();
        INDArray expected = a.next().getFeatures();
        TokenWindowDataSetIterator b = new TokenWindowDataSetIterator(new TokenWindowSampler(docs(301), 10, 3, SamplingMode.RANDOM, 3));
        b.restore(st);
        assertEquals(expected, b.next().getFeatures());
        int left = 0;
        while (b.hasNext()) {
            b.next();
            left++;
        }
        assertEquals(30 / 3 - 3, left); // W = 30: 10 batches per epoch, 3 taken
    }

    @Test
    void batchLargerThanTheDataIsRefused() {
        assertThrows(ConfigException.class,
                () -> new TokenWindowDataSetIterator(new TokenWindowSampler(docs(21), 10, 3, SamplingMode.ORDERED, 0)));
    }
}
