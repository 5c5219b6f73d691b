package org.rat4j.launcher;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Option;
import org.apache.commons.cli.OptionGroup;
import org.apache.commons.cli.Options;
import org.nd4j.linalg.api.buffer.DataType;
import org.rat4j.cli.Console;
import org.rat4j.cli.Subcommand;
import org.rat4j.config.ConfigException;
import org.rat4j.data.generate.PromptFile;
import org.rat4j.data.generate.TextGenerator;
import org.rat4j.data.tokenizer.ModelTokenizers;
import org.rat4j.data.tokenizer.Tokenizer;
import org.rat4j.decode.FinishReason;
import org.rat4j.decode.Generation;
import org.rat4j.decode.GenerationSettings;
import org.rat4j.decode.Generator;
import org.rat4j.decode.SamplingConfig;
import org.rat4j.decode.TokenListener;
import org.rat4j.io.ModelIO;
import org.rat4j.model.RatLanguageModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import static org.rat4j.cli.CliOptions.*;

/**
 * {@code rat4j generate}: continues prompts given as text ({@code --prompt}, {@code --prompt-file}) or as token ids
 * ({@code --tokens}). One text prompt streams its continuation to standard output as it is decoded; several are
 * decoded as one batch and printed in turn; a prompt file is answered in a JSONL file. The tokenizer is the one
 * stored with the model ({@link ModelTokenizers}).
 */
public final class GenerateCommand implements Subcommand {
    private static final Logger LOG = LoggerFactory.getLogger(GenerateCommand.class);

    @Override
    public String name() {
        return "generate";
    }

    @Override
    public String summary() {
        return "continue text prompts (streamed) or token ids: greedy or sampled, repetition penalty, stop strings";
    }

    @Override
    public int run(String[] args) throws Exception {
        Options o = new Options();
        o.addOption(required("model", "DIR", "model directory (it carries its tokenizer)"));
        OptionGroup input = new OptionGroup();
        input.addOption(Option.builder().longOpt("prompt").hasArg().argName("TEXT")
                .desc("a text prompt; one streams its text as it is decoded, several (repeat the option) run as a batch").build());
        input.addOption(optional("prompt-file", "FILE", "JSONL with one {\"prompt\": \"...\"} per line; needs --out"));
        input.addOption(Option.builder().longOpt("tokens").hasArg().argName("IDS")
                .desc("prompt token ids, e.g. 1,5,9 (repeat for a batch); prints the new ids, one line per prompt").build());
        o.addOptionGroup(input);
        o.addOption(optional("out", "FILE", "also write {\"prompt\", \"pred\", \"tokens\", \"finish\"} JSONL here (text prompts)"));
        o.addOption(optional("max-new", "N", "new tokens per prompt (default 32; past the model's seq_len is allowed, with a warning)"));
        o.addOption(optional("temperature", "T", "sampling temperature; 0 = greedy (default 0)"));
        o.addOption(optional("top-k", "K", "sample from the K most likely tokens (default 0 = all)"));
        o.addOption(optional("top-p", "P", "nucleus sampling mass (default 1.0)"));
        o.addOption(optional("seed", "N", "sampling seed (default 0)"));
        o.addOption(optional("repetition-penalty", "P", "divide positive / multiply negative logits of generated tokens by P "
                + "(default 1 = off; the papers use 1.2)"));
        o.addOption(flag("penalize-prompt", "the repetition penalty also counts the prompt's tokens (Hugging Face's rule)"));
        o.addOption(Option.builder().longOpt("stop").hasArg().argName("STRING")
                .desc("end a text when this string appears, cutting the text before it (repeatable)").build());
        o.addOption(optional("max-prompt", "N", "keep at most N prompt tokens, the first and last halves "
                + "(default seq_len - max-new, LongBench's middle truncation)"));
        o.addOption(optional("batch", "N", "prompts of --prompt-file decoded together (default 8)"));
        o.addOption(optional("tokenizer", "FILE", "tokenizer file, 'gpt2' or 'default', for a model directory that stores none "
                + "(or to override the stored one)"));
        o.addOption(flag("no-stop", "do not stop at EOS"));
        o.addOption(optional("cache-dtype", "TYPE", "number type of the decode caches and recurrent states: float32"
                + " (default) or bf16, as the papers' code keeps them (half the cache memory, logits within bf16 rounding)"));
        o.addOption(flag("with-prompt", "print the prompt (as the model reads it) before its continuation"));
        CommandLine cl = parse(name(), "Prefills the prompts in parallel, then decodes token by token with the layer caches.", o, args);
        if (cl == null) return 0;
        if (!cl.hasOption("prompt") && !cl.hasOption("prompt-file") && !cl.hasOption("tokens")) {
            throw new ConfigException("nothing to continue: give --prompt TEXT, --prompt-file FILE or --tokens IDS");
        }
        Path dir = Path.of(cl.getOptionValue("model"));
        RatLanguageModel model = ModelIO.load(dir, DataType.FLOAT);
        SamplingConfig sampling = new SamplingConfig(doubleValue(cl, "temperature", 0), intValue(cl, "top-k", 0),
                doubleValue(cl, "top-p", 1.0), longValue(cl, "seed", 0));
        GenerationSettings settings = new GenerationSettings(intValue(cl, "max-new", 32, 0), sampling, !cl.hasOption("no-stop"),
                doubleValue(cl, "repetition-penalty", 1.0), cl.hasOption("penalize-prompt"), List.of(), bf16Cache(cl));
        if (cl.hasOption("tokens")) return generateIds(cl, model, settings);

        Tokenizer tokenizer = ModelTokenizers.of(dir, model.config(), cl.getOptionValue("tokenizer"));
        List<String> stops = cl.hasOption("stop") ? Arrays.asList(cl.getOptionValues("stop")) : List.of();
        TextGenerator generator = new TextGenerator(model, tokenizer);
        TextGenerator.Settings text = new TextGenerator.Settings(settings, stops, intValue(cl, "max-prompt", 0, 1));
        Path out = cl.hasOption("out") ? outputFile(cl, "out") : null;
        if (cl.hasOption("prompt-file")) {
            if (out == null) throw new ConfigException("--prompt-file needs --out FILE for the results (JSONL)");
            return generateFile(generator, Path.of(cl.getOptionValue("prompt-file")), out, text, intValue(cl, "batch", 8, 1));
        }
        if (cl.hasOption("batch")) throw new ConfigException("--batch is for --prompt-file; the --prompt options always form one batch");
        List<String> prompts = Arrays.asList(cl.getOptionValues("prompt"));
        List<TextGenerator.Result> results = prompts.size() == 1
                ? List.of(stream(generator, prompts.get(0), text, cl.hasOption("with-prompt")))
                : batch(generator, prompts, text, cl.hasOption("with-prompt"));
        if (out != null) {
            PromptFile.write(out, results);
            LOG.info("wrote {} results to {}", results.size(), out);
        }
        return 0;
    }

    /**
     * {@code --tokens}: ids in, ids out, one comma-separated line per prompt. One prompt streams its ids as they are
     * chosen (with a progress bar on standard error when standard output is not a terminal); a batch prints its
     * lines at the end, after a progress bar over the steps.
     */
    private static int generateIds(CommandLine cl, RatLanguageModel model, GenerationSettings settings) {
        for (String textOnly : List.of("stop", "out", "max-prompt", "tokenizer", "batch")) {
            if (cl.hasOption(textOnly)) {
                throw new ConfigException("--" + textOnly + " works on text; use --prompt or --prompt-file instead of --tokens");
            }
        }
        List<int[]> prompts = new ArrayList<>();
        for (String t : cl.getOptionValues("tokens")) prompts.add(tokenIds(t, "tokens"));
        boolean withPrompt = cl.hasOption("with-prompt");
        boolean streamed = prompts.size() == 1;
        int maxNew = settings.maxNewTokens();
        List<Generation> out;
        try (ProgressBar bar = streamed && Console.isTerminal() ? null : bar("generate", maxNew)) {
            int[] printed = {0};
            if (streamed && withPrompt) for (int id : prompts.get(0)) Console.write((printed[0]++ == 0 ? "" : ",") + id);
            out = new Generator(model).generate(prompts, settings, new TokenListener() {
                @Override
                public void onToken(int sequence, int token) {
                    if (streamed) Console.write((printed[0]++ == 0 ? "" : ",") + token);
                }

                @Override
                public void onStep(int step) {
                    if (bar != null) bar.stepTo(step);
                }
            });
        }
        if (streamed) {
            Console.write("\n");
            return 0;
        }
        for (int b = 0; b < out.size(); b++) {
            int[] ids = withPrompt ? Generator.concat(prompts.get(b), out.get(b).tokens()) : out.get(b).tokens();
            Console.write(Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(",")) + "\n");
        }
        return 0;
    }

    /**
     * One prompt: its text goes to standard output piece by piece as it is decoded. On a terminal the text is the
     * progress; when standard output is a file or a pipe a progress bar on standard error counts the tokens.
     */
    private static TextGenerator.Result stream(TextGenerator generator, String prompt, TextGenerator.Settings settings, boolean withPrompt) {
        long t0 = System.nanoTime();
        int maxNew = settings.generation().maxNewTokens();
        StringBuilder last = new StringBuilder();
        TextGenerator.Result r;
        try (ProgressBar bar = Console.isTerminal() ? null : bar("generate", maxNew)) {
            r = generator.generate(List.of(prompt), settings, new TextGenerator.TextListener() {
                @Override
                public void onPrompt(int sequence, String promptText) {
                    if (withPrompt) print(promptText, last);
                }

                @Override
                public void onText(int sequence, String text) {
                    print(text, last);
                }

                @Override
                public void onStep(int step) {
                    if (bar != null) bar.stepTo(step);
                }
            }).get(0);
        }
        if (last.length() == 0 || last.charAt(0) != '\n') Console.write("\n");
        double secs = (System.nanoTime() - t0) / 1e9;
        LOG.info(String.format(Locale.ROOT, "%d new tokens in %.1f s (%.1f tokens/s), ended: %s", r.tokens().length, secs,
                r.tokens().length / Math.max(secs, 1e-9), describe(r.finish())));
        return r;
    }

    /** Prints streamed text, remembering its last character (to end the output with exactly one newline). */
    private static void print(String text, StringBuilder last) {
        if (text.isEmpty()) return;
        Console.write(text);
        last.setLength(0);
        last.append(text.charAt(text.length() - 1));
    }

    /** Several prompts: one batch, a progress bar over the decode steps, then each prompt's text under a header line. */
    private static List<TextGenerator.Result> batch(TextGenerator generator, List<String> prompts, TextGenerator.Settings settings,
                                                    boolean withPrompt) {
        List<TextGenerator.Result> results;
        try (ProgressBar bar = bar("generate", settings.generation().maxNewTokens())) {
            results = generator.generate(prompts, settings, new TextGenerator.TextListener() {
                @Override
                public void onText(int sequence, String text) {
                }

                @Override
                public void onStep(int step) {
                    bar.stepTo(step);
                }
            });
        }
        for (int i = 0; i < results.size(); i++) {
            TextGenerator.Result r = results.get(i);
            Console.write("--- " + (i + 1) + "/" + results.size() + ": " + headline(r.prompt()) + " (" + r.tokens().length
                    + " tokens, " + describe(r.finish()) + ")\n");
            String body = withPrompt ? r.promptText() + r.text() : r.text();
            Console.write(body.endsWith("\n") ? body : body + "\n");
        }
        return results;
    }

    /** {@code --prompt-file}: batches of prompts, a progress bar over the prompts, the results in a JSONL file. */
    private static int generateFile(TextGenerator generator, Path in, Path out, TextGenerator.Settings settings, int batch)
            throws java.io.IOException {
        long t0 = System.nanoTime();
        List<String> prompts = PromptFile.read(in);
        try (ProgressBar bar = bar("generate", prompts.size())) {
            PromptFile.generate(generator, prompts, out, settings, batch, bar::stepTo);
        }
        LOG.info(String.format(Locale.ROOT, "wrote %d results to %s in %.1f s", prompts.size(), out, (System.nanoTime() - t0) / 1e9));
        return 0;
    }

    /** A progress bar on standard error ({@code max} -1 when unknown). */
    private static ProgressBar bar(String task, long max) {
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).showSpeed().build();
    }

    /** The first line of a prompt, at most 60 characters, for a header. */
    private static String headline(String prompt) {
        String line = prompt.strip().replace('\n', ' ').replace('\r', ' ');
        return line.length() <= 60 ? line : line.substring(0, 59) + "…";
    }

    private static String describe(FinishReason f) {
        return switch (f) {
            case EOS -> "EOS";
            case STOP -> "stop string";
            case LENGTH -> "--max-new reached";
        };
    }

    /** {@code --cache-dtype}: float32 (the default) or bf16. */
    static boolean bf16Cache(CommandLine cl) {
        String v = cl.getOptionValue("cache-dtype", "float32").trim().toLowerCase(java.util.Locale.ROOT);
        return switch (v) {
            case "float32", "fp32", "float" -> false;
            case "bf16", "bfloat16" -> true;
            default -> throw new ConfigException("--cache-dtype must be float32 or bf16, got '" + v + "'");
        };
    }
}
