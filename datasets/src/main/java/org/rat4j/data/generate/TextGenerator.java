package org.rat4j.data.generate;

import org.rat4j.config.ConfigException;
import org.rat4j.data.sft.MiddleTruncation;
import org.rat4j.data.tokenizer.IncrementalDetokenizer;
import org.rat4j.data.tokenizer.Tokenizer;
import org.rat4j.decode.FinishReason;
import org.rat4j.decode.Generation;
import org.rat4j.decode.GenerationSettings;
import org.rat4j.decode.Generator;
import org.rat4j.decode.TokenListener;
import org.rat4j.model.RatLanguageModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Text in, text out: encodes prompts (BOS first, as in training), shortens a prompt longer than the model takes
 * with LongBench's middle truncation, runs {@link Generator}, and turns the new tokens into text as they come:
 * complete UTF-8 only, cut before the first stop string. The text of a sequence is its continuation of the prompt,
 * {@code decode(prompt + new)} less {@code decode(prompt)}: after "It is a truth" a generated {@code ▁that} reads
 * {@code " that"}. Listeners receive exactly that text, piece by piece.
 */
public final class TextGenerator {
    private static final Logger LOG = LoggerFactory.getLogger(TextGenerator.class);
    private final RatLanguageModel model;
    private final Tokenizer tokenizer;
    /** One generator for every batch, so that its warnings (e.g. past seq_len) are given once per TextGenerator. */
    private final Generator generator;

    /**
     * @param generation    the token-level settings (budget, sampling, repetition penalty, token stop conditions)
     * @param stopStrings   text that ends a sequence; the text is cut before it
     * @param promptBudget  the most prompt tokens kept (BOS included); 0 for {@link #defaultPromptBudget}
     */
    public record Settings(GenerationSettings generation, List<String> stopStrings, int promptBudget) {
        public Settings {
            stopStrings = List.copyOf(stopStrings);
            new StopStrings(stopStrings);                           // validates them
            if (promptBudget < 0) throw new ConfigException("the prompt budget must be >= 0 (0: the default), got " + promptBudget);
        }

        public static Settings of(GenerationSettings generation) {
            return new Settings(generation, List.of(), 0);
        }
    }

    /**
     * An encoded prompt.
     *
     * @param ids            what the model reads (BOS first), after truncation
     * @param originalLength the token count before truncation
     */
    public record Prompt(int[] ids, int originalLength) {
        public boolean truncated() {
            return ids.length < originalLength;
        }
    }

    /**
     * One prompt's result.
     *
     * @param prompt     the prompt as given
     * @param promptText the text the model read (the prompt, or what truncation left of it)
     * @param promptIds  the ids the model read
     * @param truncated  whether the middle of the prompt was dropped
     * @param text       the continuation, cut before a stop string
     * @param tokens     the new token ids (EOS, and the tokens that completed a stop string, included)
     * @param finish     why it ended ({@link FinishReason#STOP} also for a stop string)
     */
    public record Result(String prompt, String promptText, int[] promptIds, boolean truncated, String text, int[] tokens,
                         FinishReason finish) {
    }

    /** Receives the text of each sequence as it is decoded. */
    public interface TextListener {
        TextListener NONE = (sequence, text) -> { };

        /** Before generation: the text the model reads for sequence {@code sequence} (after truncation). */
        default void onPrompt(int sequence, String promptText) {
        }

        /** More text of sequence {@code sequence} (never empty). */
        void onText(int sequence, String text);

        /** Sequence {@code sequence} ended, after its last {@link #onText}. */
        default void onFinish(int sequence, FinishReason reason) {
        }

        /** Decode step {@code step} is complete (for progress). */
        default void onStep(int step) {
        }
    }

    public TextGenerator(RatLanguageModel model, Tokenizer tokenizer) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.generator = new Generator(model);
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * The prompt tokens that fit with {@code maxNew} new ones in the model's {@code seq_len}, as LongBench and the
     * RAT+ evaluation size them ({@code max_prefill = max_len - max_gen} in wimh966/rat-plus eval/longbench/pred.py).
     * When {@code maxNew} alone reaches {@code seq_len}, generation runs past the trained length anyway (a warned
     * extrapolation); prompts then keep up to {@code seq_len} tokens rather than shrinking to nothing.
     */
    public int defaultPromptBudget(int maxNew) {
        int seqLen = model.config().seqLen();
        return maxNew < seqLen ? seqLen - maxNew : seqLen;
    }

    /** Encodes a prompt (BOS first) and keeps at most {@code budget} tokens with {@link MiddleTruncation}. */
    public Prompt encode(String prompt, int budget) {
        if (budget < 1) throw new ConfigException("the prompt budget must be at least 1 token, got " + budget);
        int[] ids = tokenizer.encode(prompt, true);
        return new Prompt(MiddleTruncation.truncate(ids, budget), ids.length);
    }

    /** {@link #generate(List, Settings, TextListener, int)} for prompts at the start of the caller's list. */
    public List<Result> generate(List<String> prompts, Settings settings, TextListener listener) {
        return generate(prompts, settings, listener, 0);
    }

    /**
     * Continues each prompt.
     *
     * @param firstIndex the index of {@code prompts.get(0)} in the caller's whole list (sampling streams and log
     *                   lines use it; see {@link Generator#generate(List, GenerationSettings, TokenListener, int)})
     */
    public List<Result> generate(List<String> prompts, Settings settings, TextListener listener, int firstIndex) {
        int n = prompts.size();
        int maxNew = settings.generation().maxNewTokens();
        int budget = settings.promptBudget() > 0 ? settings.promptBudget() : defaultPromptBudget(maxNew);
        List<int[]> ids = new ArrayList<>();
        String[] promptText = new String[n];
        boolean[] truncated = new boolean[n];
        Sequence[] seqs = new Sequence[n];
        for (int b = 0; b < n; b++) {
            Prompt p = encode(prompts.get(b), budget);
            if (p.truncated()) {
                LOG.warn("prompt {} has {} tokens, more than the {} that fit with {} new tokens in seq_len {}: kept the first {} and "
                        + "the last {} (middle truncation, as LongBench)", firstIndex + b, p.originalLength(), budget, maxNew,
                        model.config().seqLen(), budget / 2, budget - budget / 2);
            }
            ids.add(p.ids());
            truncated[b] = p.truncated();
            seqs[b] = new Sequence(tokenizer, settings.stopStrings());
            promptText[b] = seqs[b].detokenizer.push(p.ids());
        }
        for (int b = 0; b < n; b++) listener.onPrompt(b, promptText[b]);
        StringBuilder[] text = new StringBuilder[n];
        for (int b = 0; b < n; b++) text[b] = new StringBuilder();
        TokenListener tokens = new TokenListener() {
            @Override
            public void onToken(int sequence, int token) {
                Sequence s = seqs[sequence];
                emit(sequence, s.stops.push(s.detokenizer.push(token)));
            }

            @Override
            public void onFinish(int sequence, FinishReason reason) {
                Sequence s = seqs[sequence];
                if (!s.stops.stopped()) emit(sequence, s.stops.push(s.detokenizer.finish()));
                emit(sequence, s.stops.flush());
                listener.onFinish(sequence, s.stops.stopped() ? FinishReason.STOP : reason);
            }

            @Override
            public void onStep(int step) {
                listener.onStep(step);
            }

            private void emit(int sequence, String piece) {
                if (piece.isEmpty()) return;
                text[sequence].append(piece);
                listener.onText(sequence, piece);
            }
        };
        GenerationSettings g = settings.stopStrings().isEmpty() ? settings.generation()
                : settings.generation().withStop((sequence, generated, length) -> seqs[sequence].stops.stopped());
        List<Generation> out = generator.generate(ids, g, tokens, firstIndex);
        List<Result> results = new ArrayList<>();
        for (int b = 0; b < n; b++) {
            FinishReason finish = seqs[b].stops.stopped() ? FinishReason.STOP : out.get(b).finish();
            results.add(new Result(prompts.get(b), promptText[b], ids.get(b), truncated[b], text[b].toString(), out.get(b).tokens(), finish));
        }
        return results;
    }

    /** The text state of one sequence. */
    private static final class Sequence {
        final IncrementalDetokenizer detokenizer;
        final StopStrings stops;

        Sequence(Tokenizer tokenizer, List<String> stopStrings) {
            this.detokenizer = new IncrementalDetokenizer(tokenizer);
            this.stops = new StopStrings(stopStrings);
        }
    }
}
