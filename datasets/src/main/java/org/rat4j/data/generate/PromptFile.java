package org.rat4j.data.generate;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.rat4j.config.ConfigException;
import org.rat4j.data.text.JsonlLines;
import org.rat4j.io.AtomicFiles;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;

/**
 * Prompts from a JSONL file and results to one: each input line an object with a string {@code prompt} (other
 * fields, such as a NIAH or LongBench file's {@code answers}, are ignored; gzip is undone), each output line
 * {@code {"prompt", "pred", "tokens", "finish"}} in input order: the prompt as given, the generated text, the new
 * token ids and why generation ended ({@code eos}, {@code stop} or {@code length}). The output is written
 * atomically: it appears complete or not at all.
 */
public final class PromptFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PromptFile() {
    }

    /** Every prompt of a JSONL file, in order. */
    public static List<String> read(Path file) {
        List<String> prompts = JsonlLines.readAll(file,
                (lines, line) -> lines.stringField(line, "prompt", "a prompt file has one {\"prompt\": \"...\"} per line"));
        if (prompts.isEmpty()) throw new ConfigException(file + " holds no prompts (one {\"prompt\": \"...\"} per line)");
        return prompts;
    }

    /** One output line (with its {@code \n}). */
    public static String line(TextGenerator.Result r) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("prompt", r.prompt());
        row.put("pred", r.text());
        row.put("tokens", r.tokens());
        row.put("finish", r.finish().label());
        try {
            return JSON.writeValueAsString(row) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes results as JSONL, atomically. */
    public static void write(Path out, List<TextGenerator.Result> results) throws IOException {
        requireWritable(out);
        AtomicFiles.write(out, o -> {
            for (TextGenerator.Result r : results) o.write(line(r).getBytes(StandardCharsets.UTF_8));
        });
    }

    /**
     * Continues {@code prompts} (as {@link #read} gives them), {@code batch} at a time, and writes the results to
     * {@code out} as they come (into a temporary file renamed into place at the end).
     *
     * @param done called with the number of prompts finished so far, after each batch
     */
    public static void generate(TextGenerator generator, List<String> prompts, Path out, TextGenerator.Settings settings, int batch,
                                IntConsumer done) throws IOException {
        if (batch < 1) throw new ConfigException("the batch size must be at least 1, got " + batch);
        requireWritable(out);
        AtomicFiles.write(out, o -> writeAll(generator, prompts, settings, batch, done, o));
    }

    private static void writeAll(TextGenerator generator, List<String> prompts, TextGenerator.Settings settings, int batch,
                                 IntConsumer done, OutputStream o) throws IOException {
        for (int start = 0; start < prompts.size(); start += batch) {
            List<String> part = prompts.subList(start, Math.min(prompts.size(), start + batch));
            for (TextGenerator.Result r : generator.generate(part, settings, TextGenerator.TextListener.NONE, start)) {
                o.write(line(r).getBytes(StandardCharsets.UTF_8));
            }
            done.accept(start + part.size());
        }
    }

    /** An output path must not be a directory (a clear error instead of a failed rename at the end). */
    static void requireWritable(Path out) {
        if (Files.isDirectory(out)) throw new ConfigException("--out " + out + " is a directory; give the path of a .jsonl file");
    }
}
