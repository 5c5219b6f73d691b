package org.rat4j.data.tokenizer;

import org.rat4j.config.ConfigException;
import org.rat4j.io.AtomicFiles;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the rat4j tokenizer file: UTF-8 text, {@code \n} line ends, a header of {@code key value}
 * lines, then the pieces one per line, then the merges as pairs of piece ids. See docs/datasets.md. Example:
 * <pre>
 * rat4j-tokenizer 1
 * id llama2-32000
 * model sentencepiece-bpe
 * unk 0
 * bos 1
 * eos 2
 * add_prefix_space true
 * meta source llama-tokenizer-js@1.2.2
 * vocab 32000
 * &lt;unk&gt;
 * ...                (one piece per line, id order, escaped)
 * merges 61249
 * 259 260            (left id, right id; highest priority first)
 * ...
 * end
 * </pre>
 * Piece strings are escaped so that every piece is exactly one line: {@code \\} for a backslash, {@code \n},
 * {@code \r}, {@code \t}, and {@code \xNN} for the other control characters. The LLaMA vocabulary has pieces that
 * end in a carriage return ({@code ;\r}), which is why a plain newline-joined list would not survive editors or
 * {@code readLine}.
 * <p>Only JDK classes (plus {@link ConfigException} and {@link AtomicFiles}) are used: scripts/fetch-data.sh
 * compiles this class with plain {@code javac} to write the file before the Maven build exists.
 */
public final class TokenizerFile {
    /** First line of every tokenizer file. */
    public static final String MAGIC = "rat4j-tokenizer 1";

    private TokenizerFile() {
    }

    /** Writes the model atomically (temporary file, then rename). */
    public static void write(Path file, TokenizerModel model) throws IOException {
        StringBuilder sb = new StringBuilder(1 << 20);
        sb.append(MAGIC).append('\n');
        sb.append("id ").append(model.id()).append('\n');
        sb.append("model sentencepiece-bpe\n");
        sb.append("unk ").append(model.unkId()).append('\n');
        sb.append("bos ").append(model.bosId()).append('\n');
        sb.append("eos ").append(model.eosId()).append('\n');
        sb.append("add_prefix_space ").append(model.addPrefixSpace()).append('\n');
        for (Map.Entry<String, String> e : model.metadata().entrySet()) {
            if (e.getKey().isEmpty() || e.getKey().contains(" ") || e.getValue().contains("\n")) {
                throw new IllegalArgumentException("metadata key must be one word and the value one line: " + e);
            }
            sb.append("meta ").append(e.getKey()).append(' ').append(e.getValue()).append('\n');
        }
        sb.append("vocab ").append(model.vocabSize()).append('\n');
        for (String piece : model.pieces()) sb.append(escape(piece)).append('\n');
        int[] left = model.mergeLeft();
        int[] right = model.mergeRight();
        sb.append("merges ").append(left.length).append('\n');
        for (int i = 0; i < left.length; i++) sb.append(left[i]).append(' ').append(right[i]).append('\n');
        sb.append("end\n");
        AtomicFiles.writeString(file, sb.toString());
    }

    /** Reads a tokenizer file; any problem is a {@link ConfigException} naming the file and line. */
    public static TokenizerModel read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("tokenizer file " + file + " does not exist; run scripts/fetch-data.sh to create it, "
                    + "or pass the path of an existing one");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            throw new ConfigException("tokenizer file " + file + " is not UTF-8 text; it is not a rat4j tokenizer file "
                    + "(re-create it with scripts/fetch-data.sh)");
        }
        return new Parser(file, text).parse();
    }

    /** Escapes a piece so it fits on one line; {@link #unescape} inverts it. */
    static String escape(String piece) {
        StringBuilder sb = new StringBuilder(piece.length() + 4);
        for (int i = 0; i < piece.length(); i++) {
            char c = piece.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) sb.append(String.format("\\x%02X", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.toString();
    }

    static String unescape(String line) {
        if (line.indexOf('\\') < 0) return line;
        StringBuilder sb = new StringBuilder(line.length());
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (i + 1 >= line.length()) throw new IllegalArgumentException("a lone backslash ends the piece");
            char n = line.charAt(++i);
            switch (n) {
                case '\\' -> sb.append('\\');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'x' -> {
                    if (i + 2 >= line.length()) throw new IllegalArgumentException("\\x needs two hex digits");
                    sb.append((char) Integer.parseInt(line.substring(i + 1, i + 3), 16));
                    i += 2;
                }
                default -> throw new IllegalArgumentException("unknown escape \\" + n);
            }
        }
        return sb.toString();
    }

    /** Line-by-line reader that remembers where it is, so every error can name the line. */
    private static final class Parser {
        private final Path file;
        private final String text;
        private int pos;
        private int lineNo;

        Parser(Path file, String text) {
            this.file = file;
            this.text = text;
        }

        String next() {
            if (pos >= text.length()) throw fail("the file ends early; it is truncated (re-create it with scripts/fetch-data.sh)");
            int nl = text.indexOf('\n', pos);
            if (nl < 0) nl = text.length();
            String line = text.substring(pos, nl);
            pos = nl + 1;
            lineNo++;
            return line;
        }

        ConfigException fail(String what) {
            return new ConfigException("tokenizer file " + file + " line " + (lineNo == 0 ? 1 : lineNo) + ": " + what);
        }

        int count(String line, String key) {
            if (!line.startsWith(key + " ")) throw fail("expected '" + key + " <count>', found '" + shorten(line) + "'");
            try {
                int n = Integer.parseInt(line.substring(key.length() + 1).trim());
                if (n < 0) throw new NumberFormatException();
                return n;
            } catch (NumberFormatException e) {
                throw fail("'" + key + "' needs a non-negative integer, found '" + shorten(line) + "'");
            }
        }

        TokenizerModel parse() {
            String first = next();
            if (!first.equals(MAGIC)) {
                throw fail("not a rat4j tokenizer file (the first line should be '" + MAGIC + "'); create one with "
                        + "scripts/fetch-data.sh");
            }
            Map<String, String> header = new HashMap<>();
            Map<String, String> meta = new LinkedHashMap<>();
            String line;
            while (!(line = next()).startsWith("vocab ")) {
                int sp = line.indexOf(' ');
                if (sp <= 0) throw fail("expected 'key value', found '" + shorten(line) + "'");
                String key = line.substring(0, sp);
                String value = line.substring(sp + 1);
                if (key.equals("meta")) {
                    int sp2 = value.indexOf(' ');
                    if (sp2 <= 0) throw fail("expected 'meta key value', found '" + shorten(line) + "'");
                    meta.put(value.substring(0, sp2), value.substring(sp2 + 1));
                } else {
                    header.put(key, value);
                }
            }
            int vocab = count(line, "vocab");
            List<String> pieces = new ArrayList<>(vocab);
            for (int i = 0; i < vocab; i++) {
                String raw = next();
                try {
                    pieces.add(unescape(raw));
                } catch (IllegalArgumentException e) {
                    throw fail("piece " + i + " is badly escaped: " + e.getMessage());
                }
            }
            int merges = count(next(), "merges");
            int[] left = new int[merges];
            int[] right = new int[merges];
            for (int i = 0; i < merges; i++) {
                String m = next();
                int sp = m.indexOf(' ');
                try {
                    if (sp <= 0) throw new NumberFormatException();
                    left[i] = Integer.parseInt(m.substring(0, sp));
                    right[i] = Integer.parseInt(m.substring(sp + 1));
                } catch (NumberFormatException e) {
                    throw fail("merge " + i + " should be two piece ids, found '" + shorten(m) + "'");
                }
                if (left[i] < 0 || left[i] >= vocab || right[i] < 0 || right[i] >= vocab) {
                    throw fail("merge " + i + " names a piece id outside [0, " + vocab + ")");
                }
            }
            if (!next().equals("end")) throw fail("expected 'end' after the merges");
            String id = header.get("id");
            if (id == null || id.isBlank()) throw fail("the header has no 'id' line");
            String model = header.getOrDefault("model", "sentencepiece-bpe");
            if (!model.equals("sentencepiece-bpe")) throw fail("unsupported model '" + model + "'; only sentencepiece-bpe is known");
            return new TokenizerModel(id, pieces, left, right, headerInt(header, "unk", vocab), headerInt(header, "bos", vocab),
                    headerInt(header, "eos", vocab), Boolean.parseBoolean(header.getOrDefault("add_prefix_space", "true")), meta);
        }

        private int headerInt(Map<String, String> header, String key, int vocab) {
            String v = header.get(key);
            if (v == null) throw new ConfigException("tokenizer file " + file + ": the header has no '" + key + "' line");
            try {
                int id = Integer.parseInt(v.trim());
                if (id < 0 || id >= vocab) throw new NumberFormatException();
                return id;
            } catch (NumberFormatException e) {
                throw new ConfigException("tokenizer file " + file + ": '" + key + " " + v + "' is not a piece id in [0, " + vocab + ")");
            }
        }

        private static String shorten(String s) {
            return s.length() > 60 ? s.substring(0, 60) + "..." : s;
        }
    }
}
