package org.rat4j.data.iter;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.rat4j.config.ConfigException;
import org.rat4j.data.shard.ArrayTokenSource;

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
            INDArray m = ds.getLabelsMaskArray();
            assertArrayEquals(new long[]{4, 8}, f.shape());
            assertArrayEquals(new long[]{4, 8}, l.shape());
            assertArrayEquals(new long[]{4, 8}, m.shape());
            assertEquals(DataType.INT32, f.dataType());
            for (int b = 0; b < 4; b++) {
                for (int t = 0; t < 8; t++) {
                    assertEquals(w[b][t], f.getInt(b, t));
                    boolean afterEos = w[b][t] == 2;
                    assertEquals(afterEos ? 0.0 : 1.0, m.getDouble(b, t));
                    assertEquals(afterEos ? 0 : w[b][t + 1], l.getInt(b, t));
                }
            }
            batches++;
        }
        assertEquals(2, batches);
        assertThrows(NoSuchElementException.class, it::next);
        it.reset(); // skips window 8 of epoch 0, starts epoch 1
        reference.skipToNextEpoch();
        assertTrue(it.hasNext());
        assertEquals(reference.nextWindows()[0][0], it.next().getFeatures().getInt(0, 0));
        assertEquals(9 + 4, it.sampler().consumed());
        assertEquals(8, it.inputColumns());
        assertEquals(16, it.totalOutcomes());
    }

    @Test
    void multiDataSetHasOneInputAndOneMaskedLabel() {
        TokenWindowMultiDataSetIterator it = new TokenWindowMultiDataSetIterator(
                new TokenWindowSampler(docs(49), 6, 2, SamplingMode.ORDERED, 0), DataType.FLOAT);
        MultiDataSet mds = it.next();
        assertEquals(1, mds.getFeatures().length);
        assertEquals(1, mds.getLabels().length);
        INDArray f = mds.getFeatures(0);
        assertEquals(DataType.FLOAT, f.dataType());
        // window 0 = tokens 0..6: 3 4 5 6 7 2 | 3 ; window 1 = tokens 6..12: 3 4 5 6 7 2 | 3
        assertArrayEquals(new float[]{3, 4, 5, 6, 7, 2}, f.getRow(0).toFloatVector());
        assertArrayEquals(new float[]{4, 5, 6, 7, 2, 0}, mds.getLabels(0).getRow(0).toFloatVector());
        assertArrayEquals(new float[]{1, 1, 1, 1, 1, 0}, mds.getLabelsMaskArray(0).getRow(0).toFloatVector());
        int batches = 1;
        while (it.hasNext()) {
            it.next();
            batches++;
        }
        assertEquals(4, batches); // W = 8 windows, B = 2
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
