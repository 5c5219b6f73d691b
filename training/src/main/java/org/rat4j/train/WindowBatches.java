package org.rat4j.train;

import org.rat4j.data.iter.SamplerState;
import org.rat4j.data.iter.TokenWindowSampler;
import org.rat4j.model.TokenBatch;

/** Pretraining batches: windows of T+1 tokens of a token stream ({@link TokenWindowSampler}). */
public final class WindowBatches implements BatchSource {
    private final TokenWindowSampler sampler;

    public WindowBatches(TokenWindowSampler sampler) {
        this.sampler = sampler;
    }

    @Override
    public TokenBatch next() {
        return sampler.nextBatch();
    }

    @Override
    public String state() {
        return sampler.state().toJson();
    }

    @Override
    public void restore(String state) {
        sampler.restore(SamplerState.fromJson(state));
    }

    @Override
    public int batchSize() {
        return sampler.batchSize();
    }

    @Override
    public int seqLen() {
        return sampler.seqLen();
    }

    @Override
    public String describe() {
        return String.format("%,d tokens, %,d windows of %d+1 (%s order), %,d micro-batches per epoch",
                sampler.source().size(), sampler.windowsPerEpoch(), sampler.seqLen(),
                sampler.mode().name().toLowerCase(java.util.Locale.ROOT), sampler.batchesPerEpoch());
    }

    public TokenWindowSampler sampler() {
        return sampler;
    }
}
