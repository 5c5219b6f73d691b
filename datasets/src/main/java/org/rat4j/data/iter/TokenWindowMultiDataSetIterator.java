package org.rat4j.data.iter;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.rat4j.model.TokenBatch;


/**
 * A DL4J/SameDiff {@link MultiDataSetIterator} over a {@link TokenWindowSampler}: one features array (input ids
 * {@code [B, T]}), one labels array (next ids {@code [B, T]}) and its mask (0 where the input token is EOS). Epochs
 * and position behave as in {@link TokenWindowDataSetIterator}.
 */
public final class TokenWindowMultiDataSetIterator implements MultiDataSetIterator {
    private static final long serialVersionUID = 1L;

    private final transient TokenWindowSampler sampler;
    private final DataType idType;
    private final transient EpochCursor cursor;
    private MultiDataSetPreProcessor preProcessor;

    public TokenWindowMultiDataSetIterator(TokenWindowSampler sampler) {
        this(sampler, DataType.INT32);
    }

    public TokenWindowMultiDataSetIterator(TokenWindowSampler sampler, DataType idType) {
        this.sampler = sampler;
        this.idType = idType;
        this.cursor = new EpochCursor(sampler);
    }

    @Override
    public MultiDataSet next(int num) {
        cursor.take(num);
        int eos = sampler.source().eosId();
        TokenBatch batch = NextTokenTargets.fromWindows(sampler.nextWindows(num), eos);
        MultiDataSet mds = new MultiDataSet(new INDArray[]{TokenBatchArrays.features(batch, idType)},
                new INDArray[]{TokenBatchArrays.labels(batch, idType)}, null,
                new INDArray[]{TokenBatchArrays.labelMask(batch, eos)});
        if (preProcessor != null) preProcessor.preProcess(mds);
        return mds;
    }

    @Override
    public MultiDataSet next() {
        return next(sampler.batchSize());
    }

    @Override
    public boolean hasNext() {
        return cursor.hasNext();
    }

    @Override
    public void setPreProcessor(MultiDataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public MultiDataSetPreProcessor getPreProcessor() {
        return preProcessor;
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
