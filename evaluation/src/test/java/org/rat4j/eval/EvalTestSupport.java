package org.rat4j.eval;

import org.nd4j.linalg.api.buffer.DataType;
import org.rat4j.block.MixerConfig;
import org.rat4j.model.ModelConfig;
import org.rat4j.data.tokenizer.Tokenizer;
import org.rat4j.data.tokenizer.Tokenizers;
import org.rat4j.model.RatLanguageModel;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Tokenizer and tiny models for the evaluation tests. */
public final class EvalTestSupport {
    private EvalTestSupport() {
    }

    /** The LLaMA-2 tokenizer; skips the calling test when scripts/fetch-data.sh has not been run. */
    public static Tokenizer llama() {
        assumeTrue(Tokenizers.defaultAvailable(), "data/tokenizer/llama2.tokenizer is absent: run scripts/fetch-data.sh to enable this test");
        return Tokenizers.loadDefault();
    }

    /** A randomly initialised model over the LLaMA vocabulary: D=16, 2 layers, 2 heads, training length 64. */
    public static RatLanguageModel tiny(MixerConfig cell, long seed) {
        return RatLanguageModel.initialize(ModelConfig.of(32000, 16, 2, 2, 64, cell), seed, DataType.FLOAT);
    }

    /** Default settings with a limit and no progress bars. */
    public static EvalSettings settings(int limit) {
        return EvalSettings.defaults().withLimit(limit);
    }
}
