package org.rat4j.train;

import org.rat4j.config.ConfigException;
import org.rat4j.data.sft.SftBatches;
import org.rat4j.model.TokenBatch;

/** SFT batches: prompt/response rows with the loss on responses only ({@link SftBatches}). */
public final class SftBatchSource implements BatchSource {
    private final SftBatches batches;
    private final int batchSize;
    private final int seqLen;
    private final int rows;

    public SftBatchSource(SftBatches batches, int batchSize, int seqLen, int rows) {
        this.batches = batches;
        this.batchSize = batchSize;
        this.seqLen = seqLen;
        this.rows = rows;
    }

    @Override
    public TokenBatch next() {
        return batches.nextBatch();
    }

    @Override
    public String state() {
        return "{\"sft_rows_consumed\":" + batches.state() + "}";
    }

    @Override
    public void restore(String state) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"sft_rows_consumed\"\\s*:\\s*(\\d+)").matcher(state);
        if (!m.find()) throw new ConfigException("the checkpoint's data position '" + state + "' is not an SFT position; "
                + "resume with the data format the run was started with");
        batches.restore(Long.parseLong(m.group(1)));
    }

    @Override
    public int batchSize() {
        return batchSize;
    }

    @Override
    public int seqLen() {
        return seqLen;
    }

    @Override
    public String describe() {
        return String.format("%,d SFT rows of %d tokens, %,d micro-batches per epoch", rows, seqLen, batches.batchesPerEpoch());
    }
}
