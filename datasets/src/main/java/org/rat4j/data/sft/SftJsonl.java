package org.rat4j.data.sft;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.rat4j.config.ConfigException;
import org.rat4j.data.text.JsonlLines;
import org.rat4j.io.AtomicFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * SFT data as JSONL: one object per line with string fields {@code prompt} and {@code response}; other fields
 * (a NIAH file's {@code task}, {@code answers}, ...) are allowed and ignored. Optionally gzipped.
 */
public final class SftJsonl {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SftJsonl() {
    }

    /** Reads every example; a line without a string {@code prompt} or {@code response} is an error naming it. */
    public static List<SftExample> read(Path file) {
        List<SftExample> out = JsonlLines.readAll(file, (lines, line) -> {
            String prompt = lines.stringField(line, "prompt", "SFT lines need {\"prompt\": \"...\", \"response\": \"...\"}");
            String response = lines.stringField(line, "response", "SFT lines need {\"prompt\": \"...\", \"response\": \"...\"}");
            if (response.isEmpty()) throw new ConfigException(file + " line " + line.number() + ": the response is empty; there is nothing to learn");
            return new SftExample(prompt, response);
        });
        if (out.isEmpty()) throw new ConfigException(file + " holds no SFT examples");
        return out;
    }

    /** Writes records (each must have {@code prompt} and {@code response}) as JSONL, atomically. */
    public static void write(Path file, List<? extends Map<String, ?>> records) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (Map<String, ?> r : records) {
            if (!(r.get("prompt") instanceof String) || !(r.get("response") instanceof String)) {
                throw new IllegalArgumentException("an SFT record needs string prompt and response fields: " + r.keySet());
            }
            sb.append(JSON.writeValueAsString(r)).append('\n');
        }
        AtomicFiles.write(file, out -> out.write(sb.toString().getBytes(StandardCharsets.UTF_8)));
    }
}
