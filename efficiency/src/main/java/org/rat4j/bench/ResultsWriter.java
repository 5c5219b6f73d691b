package org.rat4j.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import org.rat4j.io.AtomicFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.*;

/** CSV and JSON files of the results, each written atomically (a reader never sees half a file). */
public final class ResultsWriter {
    private ResultsWriter() {
    }

    public static void writeJson(Path file, Object value) throws IOException {
        org.rat4j.io.JsonFiles.write(file, Json.MAPPER, value);
    }

    /** One row per layer case, the columns of {@link LayerResult#COLUMNS}; empty cells for absent values. */
    public static void writeLayerCsv(Path file, List<LayerResult> rows) throws IOException {
        List<Map<String, Object>> maps = new ArrayList<>();
        for (LayerResult r : rows) maps.add(Json.LINE.convertValue(r, new TypeReference<LinkedHashMap<String, Object>>() { }));
        AtomicFiles.writeString(file, csv(LayerResult.COLUMNS, maps));
    }

    public static final List<String> MODEL_COLUMNS = List.of("config", "description", "parameters", "status", "note",
            "promptTokens", "newTokens", "bestBatch", "tokensPerSecond", "msPerStepFirst", "msPerStepLast",
            "maxBatchByMemory", "stateBytesPerSequence", "searchStoppedBy", "load1");

    public static void writeModelCsv(Path file, List<ModelResult> rows) throws IOException {
        List<Map<String, Object>> maps = new ArrayList<>();
        for (ModelResult r : rows) maps.add(Json.LINE.convertValue(r, new TypeReference<LinkedHashMap<String, Object>>() { }));
        AtomicFiles.writeString(file, csv(MODEL_COLUMNS, maps));
    }

    static String csv(List<String> columns, List<Map<String, Object>> rows) {
        StringBuilder s = new StringBuilder(String.join(",", columns)).append('\n');
        for (Map<String, Object> r : rows) {
            for (int i = 0; i < columns.size(); i++) {
                if (i > 0) s.append(',');
                Object v = r.get(columns.get(i));
                if (v != null) s.append(cell(v));
            }
            s.append('\n');
        }
        return s.toString();
    }

    static String cell(Object v) {
        String text;
        if (v instanceof Double d) {
            text = d.isNaN() || d.isInfinite() ? "" : (d == Math.rint(d) && Math.abs(d) < 1e15 ? String.valueOf(d.longValue())
                    : String.format(Locale.ROOT, "%.6g", d));
        } else {
            text = v.toString();
        }
        if (text.contains(",") || text.contains("\"") || text.contains("\n")) {
            text = "\"" + text.replace("\"", "\"\"") + "\"";
        }
        return text;
    }
}
