package org.rat4j.train.parallel;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.rat4j.model.TokenBatch;
import org.rat4j.train.BatchSource;

import java.util.List;

/**
 * {@code count} micro-batches of a {@link BatchSource} in the layout of
 * {@link org.rat4j.dl4j.LanguageModelLayer}: features = input ids {@code [B, 1, T]} and labels = target ids
 * {@code [B, 1, T]} (−100 ignored), as floats.
 */
public final class BatchSourceIterator implements DataSetIterator {
    private static final long serialVersionUID = 1L;
    private final transient BatchSource source;
    private final int count;
    private int given;
    private DataSetPreProcessor pre;

    public BatchSourceIterator(BatchSource source, int count) {
        this.source = source;
        this.count = count;
    }

    /** A batch as {@code [features, labels]}, each {@code [B, 1, T]} of {@code type}. */
    public static INDArray[] arrays(TokenBatch b, DataType type) {
        int n = b.batchSize();
        int t = b.seqLen();
        float[] in = new float[n * t];
        float[] out = new float[n * t];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < t; j++) {
                in[i * t + j] = b.inputs()[i][j];
                out[i * t + j] = b.targets()[i][j];
            }
        }
        return new INDArray[]{Nd4j.create(in, new long[]{n, 1, t}, 'c').castTo(type),
                Nd4j.create(out, new long[]{n, 1, t}, 'c').castTo(type)};
    }

    @Override
    public DataSet next(int num) {
        return next();
    }

    @Override
    public DataSet next() {
        if (!hasNext()) throw new java.util.NoSuchElementException();
        given++;
        INDArray[] a = arrays(source.next(), DataType.FLOAT);
        DataSet ds = new DataSet(a[0], a[1]);
        if (pre != null) pre.preProcess(ds);
        return ds;
    }

    @Override
    public boolean hasNext() {
        return given < count;
    }

    @Override
    public int inputColumns() {
        return 1;
    }

    @Override
    public int totalOutcomes() {
        return -1;
    }

    @Override
    public boolean resetSupported() {
        return false;
    }

    @Override
    public boolean asyncSupported() {
        return false;
    }

    @Override
    public void reset() {
        throw new UnsupportedOperationException("a BatchSourceIterator runs once; make a new one");
    }

    @Override
    public int batch() {
        return source.batchSize();
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.pre = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return pre;
    }

    @Override
    public List<String> getLabels() {
        return null;
    }
}
