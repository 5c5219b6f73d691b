package org.rat4j.data.iter;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.rat4j.dl4j.Dl4jFormat;
import org.rat4j.model.TokenBatch;

import java.util.List;

/**
 * A DL4J {@link DataSetIterator} over a {@link TokenWindowSampler}, in the layout of rat4j's DL4J form
 * ({@link Dl4jFormat#dataSet}, what {@code LanguageModelLayer} trains on): features = input ids {@code [B, 1, T]},
 * labels = next ids {@code [B, 1, T]}, {@code -100} where the target does not count (its input is EOS). One pass
 * ({@link #hasNext()} until false) is one epoch of {@code floor(W/B)} batches; {@link #reset()} moves to the start
 * of the next epoch, so a random sampler gives a new order each epoch. The sampler's
 * {@link TokenWindowSampler#state()} is the iterator's position; async prefetching is declined so that it stays
 * exact.
 */
public final class TokenWindowDataSetIterator implements DataSetIterator {
    private static final long serialVersionUID = 1L;

    private final transient TokenWindowSampler sampler;
    private final DataType idType;
    private final transient EpochCursor cursor;
    private DataSetPreProcessor preProcessor;

    /** Ids as FLOAT, the type DL4J layers take. */
    public TokenWindowDataSetIterator(TokenWindowSampler sampler) {
        this(sampler, DataType.FLOAT);
    }

    public TokenWindowDataSetIterator(TokenWindowSampler sampler, DataType idType) {
        this.sampler = sampler;
        this.idType = idType;
        this.cursor = new EpochCursor(sampler);
    }

    @Override
    public DataSet next(int num) {
        cursor.take(num);
        TokenBatch batch = NextTokenTargets.fromWindows(sampler.nextWindows(num), sampler.source().eosId());
        DataSet ds = Dl4jFormat.dataSet(batch, sampler.source().eosId(), idType);
        if (preProcessor != null) preProcessor.preProcess(ds);
        return ds;
    }

    @Override
    public DataSet next() {
        return next(sampler.batchSize());
    }

    @Override
    public boolean hasNext() {
        return cursor.hasNext();
    }

    @Override
    public int inputColumns() {
        return sampler.seqLen();
    }

    @Override
    public int totalOutcomes() {
        return sampler.source().vocabSize();
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return false;
    }

    @Override
    public void reset() {
        cursor.reset();
    }

    @Override
    public int batch() {
        return sampler.batchSize();
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

    /** Continues from a saved position ({@link TokenWindowSampler#state()}), e.g. when resuming training. */
    public void restore(SamplerState state) {
        sampler.restore(state);
        cursor.sync();
    }

    /** The sampler: its {@code state()} is this iterator's position; restore through {@link #restore}. */
    public TokenWindowSampler sampler() {
        return sampler;
    }
}
