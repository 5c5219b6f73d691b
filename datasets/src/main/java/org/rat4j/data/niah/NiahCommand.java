package org.rat4j.data.niah;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.rat4j.cli.Console;
import org.rat4j.cli.Subcommand;
import org.rat4j.config.ConfigException;
import org.rat4j.data.sft.SftJsonl;
import org.rat4j.data.tokenizer.Tokenizer;
import org.rat4j.data.tokenizer.Tokenizers;
import org.rat4j.model.MemoryBudget;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.rat4j.cli.CliOptions.*;

/**
 * {@code rat4j niah}: writes RULER-style needle-in-a-haystack samples as SFT JSONL ({@code prompt}, {@code response}
 * and evaluation fields). Train samples take their prose from the built-in corpus's train split, test samples from
 * its validation split.
 */
public final class NiahCommand implements Subcommand {
    @Override
    public String name() {
        return "niah";
    }

    @Override
    public String summary() {
        return "generate needle-in-a-haystack tasks (RULER niah_*) as SFT JSONL";
    }

    /**
     * Java heap per token of the sample being built (its text, the token ids of each fitting attempt, the tokenizer's
     * work arrays). Measured: one sample of 10^6 tokens failed with a 150 MB heap and succeeded with 300 MB.
     */
    static final long WORKING_BYTES_PER_TOKEN = 200;
    /** Java heap per token of a finished sample, all of which are held until the file is written (about 4 characters). */
    static final long HELD_BYTES_PER_TOKEN = 16;

    /** Refuses lengths and counts whose samples cannot fit in the heap, before any is generated. */
    static void requireHeap(int tasks, List<Integer> lengths, int count) {
        long longest = 0;
        long total = 0;
        for (int length : lengths) {
            longest = Math.max(longest, length);
            total += (long) length * count * tasks;
        }
        MemoryBudget.requireHeap(String.format(Locale.ROOT, "generating %,d NIAH sample(s) of up to %,d tokens", (long) tasks * count
                * lengths.size(), longest), longest * WORKING_BYTES_PER_TOKEN + total * HELD_BYTES_PER_TOKEN,
                "use a shorter --length, a smaller --count or fewer --tasks, or give the JVM more heap");
    }

    @Override
    public int run(String[] args) throws Exception {
        Options o = new Options();
        o.addOption(required("out", "FILE", "output JSONL file"));
        o.addOption(required("length", "N[,N...]", "context length(s) in tokens (BOS + prompt + response + EOS)"));
        o.addOption(optional("tasks", "LIST", "all (default) or task names: niah_single_1,niah_single_2,niah_single_3,"
                + "niah_multikey_1,niah_multikey_2,niah_multikey_3,niah_multivalue,niah_multiquery"));
        o.addOption(optional("count", "N", "samples per task and length (default 100)"));
        o.addOption(optional("split", "train|test", "train (default) or test; they share no haystack text or word key"));
        o.addOption(optional("seed", "S", "seed (default 1005)"));
        o.addOption(optional("haystack", "SPEC", "prose for essay haystacks: files, directories, globs (default builtin:train "
                + "for --split train, builtin:valid for test)"));
        o.addOption(optional("text-field", "NAME", "JSONL field holding haystack text (default text)"));
        o.addOption(optional("tokenizer", "FILE|gpt2", "tokenizer that measures the length: a file, or gpt2 (default: the LLaMA-2 tokenizer)"));
        CommandLine cl = parse(name(), "Generates NIAH samples that fill the given context length.", o, args);
        if (cl == null) return 0;

        List<NiahTask> tasks = NiahTask.parseList(cl.getOptionValue("tasks", "all"));
        List<Integer> lengths = new ArrayList<>();
        for (String p : cl.getOptionValue("length").split(",")) {
            try {
                int n = Integer.parseInt(p.trim());
                if (n < 1) throw new NumberFormatException();
                lengths.add(n);
            } catch (NumberFormatException e) {
                throw new ConfigException("--length takes positive integers like 4096 or 4096,8192; got '" + p + "'");
            }
        }
        int count = intValue(cl, "count", 100, 1);
        Path out = outputFile(cl, "out");
        requireHeap(tasks.size(), lengths, count);
        long seed = longValue(cl, "seed", 1005, Long.MIN_VALUE);
        NiahSplit split = NiahSplit.parse(cl.getOptionValue("split", "train"));
        Tokenizer tok = Tokenizers.resolve(cl.getOptionValue("tokenizer"));
        HaystackSentences essay = null;
        if (tasks.stream().anyMatch(t -> t.haystack() == NiahTask.HaystackKind.ESSAY)) {
            String spec = cl.getOptionValue("haystack", split == NiahSplit.TRAIN ? "builtin:train" : "builtin:valid");
            essay = HaystackSentences.load(spec, cl.getOptionValue("text-field", "text"), tok);
        }
        NiahGenerator gen = new NiahGenerator(tok, essay);
        List<Map<String, Object>> records = new ArrayList<>();
        long t0 = System.nanoTime();
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName("niah").setInitialMax((long) tasks.size() * lengths.size() * count)
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err)).showSpeed().build()) {
            for (NiahTask task : tasks) {
                for (int length : lengths) {
                    for (int i = 0; i < count; i++) {
                        records.add(gen.generate(task, length, split, seed, i).toRecord());
                        bar.step();
                    }
                }
            }
        }
        SftJsonl.write(out, records);
        Console.stdout().printf("wrote %d %s samples (%d task(s) x %d length(s) x %d) to %s in %.1f s%n", records.size(),
                split.jsonName(), tasks.size(), lengths.size(), count, out, (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
