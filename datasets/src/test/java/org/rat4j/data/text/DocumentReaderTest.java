package org.rat4j.data.text;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rat4j.config.ConfigException;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;

class DocumentReaderTest {
    @TempDir
    Path dir;

    @Test
    void plainTextIsOneDocument() throws IOException {
        Path f = write("a.txt", "\uFEFFFirst line.\nSecond line.\n");
        List<Document> docs = DocumentReader.readAll(f, "text");
        assertEquals(1, docs.size());
        assertEquals("First line.\nSecond line.\n", docs.get(0).text()); // the byte-order mark is dropped
    }

    @Test
    void jsonlIsOneDocumentPerLineAndSkipsBlankLines() throws IOException {
        Path f = write("a.jsonl", "{\"text\": \"one\", \"id\": 1}\n\n{\"text\": \"two\\nlines\"}\r\n{\"text\": \"\"}\n{\"text\": \"last\"}");
        List<Document> docs = DocumentReader.readAll(f, "text");
        assertEquals(List.of("one", "two\nlines", "last"), docs.stream().map(Document::text).toList());
        assertEquals(List.of(1L, 3L, 5L), docs.stream().map(Document::line).toList());
        assertEquals(List.of(0L, 1L, 2L), docs.stream().map(Document::index).toList());
    }

    @Test
    void otherTextField() throws IOException {
        Path f = write("c.jsonl", "{\"content\": \"x\"}\n");
        assertEquals("x", DocumentReader.readAll(f, "content").get(0).text());
    }

    @Test
    void gzipIsDetectedByContent() throws IOException {
        Path t = dir.resolve("a.txt.gz");
        Files.write(t, gzip("gzipped text".getBytes(StandardCharsets.UTF_8)));
        assertEquals("gzipped text", DocumentReader.readAll(t, "text").get(0).text());
        Path j = dir.resolve("b.jsonl.gz");
        Files.write(j, gzip("{\"text\":\"a\"}\n{\"text\":\"b\"}\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals(2, DocumentReader.readAll(j, "text").size());
    }

    @Test
    void longJsonlLinesSurviveTheBuffer() throws IOException {
        String big = "y".repeat(200_000);
        Path f = write("big.jsonl", "{\"text\": \"" + big + "\"}\n{\"text\": \"z\"}\n");
        List<Document> docs = DocumentReader.readAll(f, "text");
        assertEquals(big, docs.get(0).text());
        assertEquals("z", docs.get(1).text());
    }

    @Test
    void invalidUtf8NamesFileLineAndByte() throws IOException {
        Path f = dir.resolve("latin1.txt");
        byte[] bytes = "ok\nstill ok\ncaf\u00e9 here".getBytes(StandardCharsets.ISO_8859_1);
        Files.write(f, bytes);
        ConfigException e = assertThrows(ConfigException.class, () -> DocumentReader.readAll(f, "text"));
        assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("line 3") && e.getMessage().contains("0xE9")
                && e.getMessage().contains("byte 4"), e.getMessage());

        Path j = dir.resolve("bad.jsonl");
        byte[] good = "{\"text\": \"a\"}\n".getBytes(StandardCharsets.UTF_8);
        byte[] bad = {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xff, '"', '}', '\n'};
        Files.write(j, concat(good, good, bad));
        e = assertThrows(ConfigException.class, () -> DocumentReader.readAll(j, "text"));
        assertTrue(e.getMessage().contains("line 3") && e.getMessage().contains("0xFF"), e.getMessage());
    }

    @Test
    void emptyFilesAreErrors() throws IOException {
        Path empty = write("empty.txt", "");
        ConfigException e = assertThrows(ConfigException.class, () -> DocumentReader.readAll(empty, "text"));
        assertTrue(e.getMessage().contains(empty.toString()) && e.getMessage().contains("empty"), e.getMessage());
        Path blank = write("blank.txt", " \n\t\n");
        assertThrows(ConfigException.class, () -> DocumentReader.readAll(blank, "text"));
        Path noDocs = write("none.jsonl", "{\"text\": \"\"}\n\n");
        e = assertThrows(ConfigException.class, () -> DocumentReader.readAll(noDocs, "text"));
        assertTrue(e.getMessage().contains("no documents"), e.getMessage());
    }

    @Test
    void jsonlProblemsNameTheLine() throws IOException {
        Path missing = write("m.jsonl", "{\"text\": \"a\"}\n{\"body\": \"b\", \"id\": 7}\n");
        ConfigException e = assertThrows(ConfigException.class, () -> DocumentReader.readAll(missing, "text"));
        assertTrue(e.getMessage().contains(missing + " line 2") && e.getMessage().contains("no \"text\" field")
                && e.getMessage().contains("[body, id]") && e.getMessage().contains("--text-field"), e.getMessage());

        Path notJson = write("n.jsonl", "{\"text\": \"a\"}\n{text: b}\n");
        e = assertThrows(ConfigException.class, () -> DocumentReader.readAll(notJson, "text"));
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("not valid JSON"), e.getMessage());

        Path number = write("x.jsonl", "{\"text\": 5}\n");
        e = assertThrows(ConfigException.class, () -> DocumentReader.readAll(number, "text"));
        assertTrue(e.getMessage().contains("line 1") && e.getMessage().contains("not a string"), e.getMessage());

        Path array = write("y.jsonl", "[1, 2]\n");
        e = assertThrows(ConfigException.class, () -> DocumentReader.readAll(array, "text"));
        assertTrue(e.getMessage().contains("expected a JSON object"), e.getMessage());
    }

    @Test
    void truncatedGzipIsAnError() throws IOException {
        byte[] gz = gzip("some text that will be cut short ".repeat(100).getBytes(StandardCharsets.UTF_8));
        Path f = dir.resolve("cut.txt.gz");
        Files.write(f, Arrays.copyOf(gz, gz.length / 2));
        ConfigException e = assertThrows(ConfigException.class, () -> DocumentReader.readAll(f, "text"));
        assertTrue(e.getMessage().contains("corrupt or truncated"), e.getMessage());
    }

    private Path write(String name, String content) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, content, StandardCharsets.UTF_8);
        return f;
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bos)) {
            out.write(data);
        }
        return bos.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        for (byte[] p : parts) bos.writeBytes(p);
        return bos.toByteArray();
    }
}
