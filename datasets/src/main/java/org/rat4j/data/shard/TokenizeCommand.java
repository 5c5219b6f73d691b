package org.rat4j.data.shard;

import org.apache.commons.cli.CommandLine;
import org.apache.commons.cli.Options;
import org.rat4j.cli.Console;
import org.rat4j.cli.Subcommand;
import org.rat4j.data.text.InputResolver;
import org.rat4j.data.text.TextSplit;
import org.rat4j.data.tokenizer.Tokenizer;
import org.rat4j.data.tokenizer.Tokenizers;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.rat4j.cli.CliOptions.*;

/**
 * {@code rat4j tokenize}: text files to memory-mapped token shards (docs/datasets.md). Prints the wall time and
 * tokens per second when done; a re-run after an interruption resumes.
 */
public final class TokenizeCommand implements Subcommand {
    /** Default shard size: 32 Mi tokens, 64 MiB as uint16. */
    public static final long DEFAULT_SHARD_TOKENS = 32L << 20;

    @Override
    public String name() {
        return "tokenize";
    }

    @Override
    public String summary() {
        return "turn text files (or the built-in corpus) into token shards for training";
    }

    @Override
    public int run(String[] args) throws Exception {
        Options o = new Options();
        o.addOption(org.apache.commons.cli.Option.builder().longOpt("input").hasArgs().argName("SPEC")
                .desc("files, directories, globs (quote them) or builtin:train / builtin:valid / builtin; repeat the option or "
                        + "separate with commas; plain text is one document per file (see --split), .jsonl one per line, "
                        + ".gz of either (default builtin:train)").get());
        o.addOption(optional("split", "file|paragraphs", "documents of a plain-text file: the whole file (default) or each run "
                + "of non-blank lines"));
        o.addOption(optional("doc-chars", "N", "longest document of a plain-text file, in characters; longer text is cut at a "
                + "blank line, line end or space (default " + TextSplit.DEFAULT_MAX_CHARS + "); memory is bounded by it"));
        o.addOption(required("out", "DIR", "output directory for shard-NNNNN.bin and index.json"));
        o.addOption(optional("tokenizer", "FILE|gpt2", "tokenizer file, or gpt2 for GPT-2 BPE (default: the LLaMA-2 tokenizer from scripts/fetch-data.sh)"));
        o.addOption(optional("text-field", "NAME", "JSONL field holding the text (default text)"));
        o.addOption(optional("threads", "N", "encoder threads (default: the number of cores, "
                + Runtime.getRuntime().availableProcessors() + " here)"));
        o.addOption(optional("shard-tokens", "N", "close a shard at the first document end after N tokens (default "
                + DEFAULT_SHARD_TOKENS + ")"));
        o.addOption(flag("force", "replace shards of other inputs or settings in --out (otherwise refused)"));
        o.addOption(flag("no-progress", "do not draw a progress bar"));
        CommandLine cl = parse(name(), "Tokenizes documents into uint16/int32 shards: no BOS, one EOS after each document. "
                + "Interrupted runs resume when the same command is run again.", o, args);
        if (cl == null) return 0;

        // Cheap checks first, so a typo is reported before the inputs are listed or the tokenizer is loaded.
        int threads = intValue(cl, "threads", Runtime.getRuntime().availableProcessors(), 1);
        long shardTokens = longValue(cl, "shard-tokens", DEFAULT_SHARD_TOKENS, 1);
        TextSplit split = new TextSplit(TextSplit.Mode.parse(cl.getOptionValue("split", TextSplit.Mode.FILE.cliName())),
                intValue(cl, "doc-chars", TextSplit.DEFAULT_MAX_CHARS, 2));
        Path out = outputDirectory(cl, "out");
        String[] specs = cl.getOptionValues("input");
        List<Path> inputs = InputResolver.resolve(specs == null ? List.of("builtin:train") : Arrays.asList(specs));
        Tokenizer tok = Tokenizers.resolve(cl.getOptionValue("tokenizer"));
        CorpusTokenizer.Options opt = new CorpusTokenizer.Options(inputs, out, tok,
                cl.getOptionValue("text-field", "text"), split, threads, shardTokens, cl.hasOption("force"), !cl.hasOption("no-progress"));
        CorpusTokenizer.Result r = new CorpusTokenizer(opt).run();
        if (r.upToDate()) {
            Console.stdout().printf("%s is up to date: %,d documents, %,d tokens in %d shard(s) (tokenizer %s); nothing to do%n",
                    opt.outDir(), r.documents(), r.tokens(), r.shards(), tok.id());
        } else {
            Console.stdout().printf("tokenized %,d input file(s) into %s%s: %,d documents, %,d tokens in %d shard(s)%n",
                    inputs.size(), opt.outDir(), r.resumed() ? " (resumed)" : "", r.documents(), r.tokens(), r.shards());
            Console.stdout().printf("time %.2f s, %,.0f tokens/s, %d thread(s), tokenizer %s%n", r.seconds(), r.tokensPerSecond(),
                    threads, tok.id());
        }
        return 0;
    }
}
