package org.rat4j.data.iter;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.rat4j.dl4j.Dl4jFormat;
import org.rat4j.model.TokenBatch;

import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.Supplier;

/**
 * {@code count} batches from any source of {@link TokenBatch}es (a training run's resumable batch source, SFT
 * batches) as DL4J {@link DataSet}s in the layout of rat4j's DL4J form ({@link Dl4jFormat#dataSet}), for
 * {@code ParallelWrapper.fit}. It runs once: the source keeps the position.
 */
public final class TokenBatchIterator implements DataSetIterator {
    private static final long serialVersionUID = 1L;
    private final transient Supplier<TokenBatch> source;
    private final int count;
    private final int batchSize;
    private final int eosId;
    private int given;
    private DataSetPreProcessor preProcessor;

    public TokenBatchIterator(Supplier<TokenBatch> source, int count, int batchSize, int eosId) {
        this.source = source;
        this.count = count;
        this.batchSize = batchSize;
        this.eosId = eosId;
    }

    @Override
    public DataSet next() {
        if (!hasNext()) throw new NoSuchElementException("all " + count + " batches were given");
        given++;
        DataSet ds = Dl4jFormat.dataSet(source.get(), eosId, DataType.FLOAT);
        if (preProcessor != null) preProcessor.preProcess(ds);
        return ds;
    }

    @Override
    public DataSet next(int num) {
        return next();
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
        throw new UnsupportedOperationException("a TokenBatchIterator runs once; make a new one");
    }

    @Override
    public int batch() {
        return batchSize;
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public List<String> getLabels() {
        return null;
    }
}
