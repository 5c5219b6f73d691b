package org.rat4j.train;

import org.rat4j.cli.Console;
import org.rat4j.data.tokenizer.Tokenizer;
import org.rat4j.decode.Generator;
import org.rat4j.io.AtomicFiles;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.train.config.ExperimentConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** The text generated after training ({@code generate:} section): printed and saved as {@code samples.txt}. */
public final class TextSample {
    private static final Logger LOG = LoggerFactory.getLogger(TextSample.class);
    public static final String FILE = "samples.txt";

    private TextSample() {
    }

    /** Generates from the prompt; returns the prompt and its continuation as text, or null when disabled. */
    public static String generate(RatLanguageModel model, Tokenizer tok, ExperimentConfig.GenerateSettings g, Path runDir)
            throws IOException {
        if (!g.enabled() || tok == null) return null;
        int[] prompt = tok.encode(g.prompt(), true);
        LOG.info("generating {} tokens from the prompt \"{}\"", g.maxNewTokens(), g.prompt());
        long t0 = System.nanoTime();
        List<int[]> out = new Generator(model).generate(List.of(prompt), g.maxNewTokens(), g.sampling(), true);
        double secs = (System.nanoTime() - t0) / 1e9;
        String text = tok.decode(Generator.concat(prompt, out.get(0)));
        String report = "prompt: " + g.prompt() + "\n"
                + String.format(Locale.ROOT, "sampling: temperature %s, top-k %d, top-p %s, seed %d; %d new tokens in %.1f s%n",
                g.temperature(), g.topK(), g.topP(), g.seed(), out.get(0).length, secs)
                + "---\n" + text + "\n";
        AtomicFiles.writeString(runDir.resolve(FILE), report);
        Console.stdout().println("--- generated text (" + runDir.resolve(FILE) + ") ---");
        Console.stdout().println(text);
        Console.stdout().println("---");
        Console.stdout().flush();
        return text;
    }
}
