package org.rat4j.data.setup;

import org.rat4j.data.tokenizer.TokenizerFile;
import org.rat4j.data.tokenizer.TokenizerModel;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The conversion steps of scripts/fetch-data.sh, run after the downloads are unpacked and checksummed:
 * <pre>
 * SetupTool tokenizer --js llama-tokenizer.js --source llama-tokenizer-js@1.2.2 --out data/tokenizer/llama2.tokenizer
 * SetupTool corpus --sotu DIR --brown DIR --moby data.txt --austen DIR --sources SOURCES.md --out data/corpus
 * </pre>
 * It uses only the JDK (and two JDK-only classes of rat-samediff), so the script compiles it with {@code javac}
 * in a second, without the Maven build. Exit code 0 on success, 2 with a one-line message on bad input.
 */
public final class SetupTool {
    private SetupTool() {
    }

    public static void main(String[] args) {
        try {
            run(args);
        } catch (IOException | RuntimeException e) {
            System.err.println("fetch-data: error: " + e.getMessage());
            System.exit(2);
        }
    }

    static void run(String[] args) throws IOException {
        if (args.length == 0) throw new IllegalArgumentException("usage: SetupTool tokenizer|corpus --option value ...");
        Map<String, String> opts = options(args);
        switch (args[0]) {
            case "tokenizer" -> {
                TokenizerModel model = LlamaTokenizerJs.parse(Path.of(need(opts, "js")), need(opts, "source"));
                Path out = Path.of(need(opts, "out"));
                TokenizerFile.write(out, model);
                // Read it back: the file must load to the same model, or set-up fails here and not at training time.
                if (!TokenizerFile.read(out).equals(model)) throw new IOException(out + " does not read back to the model just written");
                System.out.println("wrote " + out + ": " + model.vocabSize() + " pieces, " + model.mergeCount() + " merges");
            }
            case "corpus" -> {
                List<BuiltinCorpus.Doc> docs = new ArrayList<>();
                docs.addAll(BuiltinCorpus.sotu(Path.of(need(opts, "sotu"))));
                docs.addAll(BuiltinCorpus.brown(Path.of(need(opts, "brown"))));
                docs.addAll(BuiltinCorpus.mobyDick(Path.of(need(opts, "moby"))));
                docs.addAll(BuiltinCorpus.austen(Path.of(need(opts, "austen"))));
                String sources = java.nio.file.Files.readString(Path.of(need(opts, "sources")));
                Path out = Path.of(need(opts, "out"));
                int[] counts = BuiltinCorpus.write(docs, out, sources);
                long chars = docs.stream().mapToLong(d -> d.text().length()).sum();
                System.out.printf("wrote %s: %d train + %d valid documents, %.1f M characters%n", out, counts[0], counts[1], chars / 1e6);
            }
            default -> throw new IllegalArgumentException("unknown step '" + args[0] + "'; use tokenizer or corpus");
        }
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> m = new HashMap<>();
        for (int i = 1; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) throw new IllegalArgumentException("expected --option value, got '" + args[i] + "'");
            m.put(args[i].substring(2), args[i + 1]);
        }
        return m;
    }

    private static String need(Map<String, String> opts, String key) {
        String v = opts.get(key);
        if (v == null) throw new IllegalArgumentException("missing --" + key);
        return v;
    }
}
