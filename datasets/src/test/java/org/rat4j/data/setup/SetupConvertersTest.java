package org.rat4j.data.setup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rat4j.data.tokenizer.TokenizerModel;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class SetupConvertersTest {
    @TempDir
    Path dir;

    @Test
    void brownTagsAreStrippedAndPunctuationJoined() {
        String tagged = "\n\n\tThe/at jury/nn said/vbd ``/`` no/at evidence/nn ''/'' ,/, and/cc 1/2/cd-hl (/( so/rb )/) on/in ./.\n"
                + "It/pps ended/vbd ./.\n\n\n\tNext/ap paragraph/nn !/.\n";
        assertEquals("The jury said \"no evidence\", and 1/2 (so) on. It ended.\n\nNext paragraph!", BrownCorpusText.detag(tagged));
    }

    @Test
    void rSerialisedCharacterVectorsAreRead() throws IOException {
        byte[] data = new RData().strings("EMMA", "", null, "Caf\u00e9 — ok").toBytes();
        RSerialization.RValue v = RSerialization.read(new ByteArrayInputStream(data));
        assertArrayEquals(new String[]{"EMMA", "", null, "Café — ok"}, v.strings());
        assertThrows(IOException.class, () -> RSerialization.read(new ByteArrayInputStream("RDX2\n".getBytes(StandardCharsets.US_ASCII))));
    }

    @Test
    void janeAustenDatabaseIsUnpacked() throws IOException {
        RData.lazyLoadDb(dir, List.of("emma", "persuasion"),
                List.of(new String[]{"EMMA", "", "CHAPTER I", "", "Emma Woodhouse."}, new String[]{"Persuasion", "Chapter 1", "Sir Walter."}));
        Map<String, String> novels = JaneAustenNovels.read(dir);
        assertEquals(List.of("emma", "persuasion"), new ArrayList<>(novels.keySet()));
        assertEquals("EMMA\n\nCHAPTER I\n\nEmma Woodhouse.\n", novels.get("emma"));
        assertEquals("Persuasion\nChapter 1\nSir Walter.\n", novels.get("persuasion"));
    }

    @Test
    void javascriptTokenizerConstantsAreDecoded() throws IOException {
        List<String> pieces = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        for (int i = 3; i < LlamaTokenizerJs.EXPECTED_VOCAB; i++) pieces.add(i == 29871 ? "▁" : "p" + i + (i == 5000 ? "\r" : ""));
        ByteBuffer merges = ByteBuffer.allocate(LlamaTokenizerJs.EXPECTED_MERGES * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < LlamaTokenizerJs.EXPECTED_MERGES; i++) {
            merges.putShort((short) (259 + i % 1000));
            merges.putShort((short) 31999);
        }
        String js = "const x = 1;\nconst llama_vocab_base64 = \""
                + Base64.getEncoder().encodeToString(String.join("\n", pieces).getBytes(StandardCharsets.UTF_8)) + "\"\n"
                + "const llama_merges_binary = \"" + Base64.getEncoder().encodeToString(merges.array()) + "\"\n";
        TokenizerModel m = LlamaTokenizerJs.parse(js, "test");
        assertEquals("llama2-32000", m.id());
        assertEquals(32000, m.vocabSize());
        assertEquals("p5000\r", m.pieces().get(5000));
        assertEquals(259 + 1234 % 1000, m.mergeLeft()[1234]);
        assertEquals(31999, m.mergeRight()[61248]);
        assertEquals(1, m.bosId());
        assertEquals(2, m.eosId());
        IOException e = assertThrows(IOException.class, () -> LlamaTokenizerJs.parse("const llama_vocab_base64 = \"YQ==\"\nconst llama_merges_binary = \"\"", "t"));
        assertTrue(e.getMessage().contains("1 pieces"), e.getMessage());
        assertThrows(IOException.class, () -> LlamaTokenizerJs.parse("nothing here", "t"));
    }

    @Test
    void splitIsAFixedFunctionOfTheName() {
        // first four bytes of SHA-256(name) mod 1000, computed independently: < 30 is validation
        assertEquals("train", BuiltinCorpus.split("sotu-1790_george_washington_n")); // 522
        assertEquals("valid", BuiltinCorpus.split("brown-ca18"));                    // 0
        assertEquals("valid", BuiltinCorpus.split("sotu-2001_george_w_bush_r"));     // 21
        assertEquals("valid", BuiltinCorpus.split("austen-emma-052"));               // 24
        assertEquals("train", BuiltinCorpus.split("austen-emma-001"));               // 830
    }

    @Test
    void corpusIsBuiltFromTheUnpackedSources() throws IOException {
        Path sotu = Files.createDirectories(dir.resolve("sotu"));
        Files.writeString(sotu.resolve("1790_george_washington_n.txt"), "Fellow-Citizens of the Senate.\n");
        Files.writeString(sotu.resolve("2001_george_w_bush_r.txt"), "Thank you all.");
        Files.writeString(sotu.resolve("2001_george_w_bush_r.json"), "{}");
        Path brown = Files.createDirectories(dir.resolve("brown"));
        Files.writeString(brown.resolve("ca18"), "\n\n\tA/at test/nn ./.\n");
        Files.writeString(brown.resolve("README"), "not a corpus file");
        Path moby = dir.resolve("moby.txt");
        Files.writeString(moby, "CHAPTER 1. Loomings.\n\nCall me Ishmael.\n\nCHAPTER 2. The Carpet-Bag.\n\nI stuffed a shirt.\n");
        Path austen = Files.createDirectories(dir.resolve("austen"));
        RData.lazyLoadDb(austen, List.of("emma"), List.<String[]>of(new String[]{"EMMA", "", "CHAPTER I", "One.", "CHAPTER II", "Two."}));
        Path sources = dir.resolve("SOURCES.md");
        Files.writeString(sources, "sources");
        Path out = dir.resolve("corpus");
        Files.createDirectories(out.resolve("train"));
        Files.writeString(out.resolve("train/stale.txt"), "from an older run");

        SetupTool.run(new String[]{"corpus", "--sotu", sotu.toString(), "--brown", brown.toString(), "--moby", moby.toString(),
                "--austen", austen.toString(), "--sources", sources.toString(), "--out", out.toString()});

        assertEquals("Fellow-Citizens of the Senate.\n", Files.readString(out.resolve("train/sotu-1790_george_washington_n.txt")));
        assertEquals("Thank you all.\n", Files.readString(out.resolve("valid/sotu-2001_george_w_bush_r.txt")));
        assertEquals("A test.\n", Files.readString(out.resolve("valid/brown-ca18.txt")));
        assertEquals("CHAPTER 2. The Carpet-Bag.\n\nI stuffed a shirt.\n", Files.readString(out.resolve("train/mobydick-002.txt")));
        assertEquals("EMMA\n\nCHAPTER I\nOne.\n", Files.readString(out.resolve("train/austen-emma-001.txt")));
        assertEquals("CHAPTER II\nTwo.\n", Files.readString(out.resolve("train/austen-emma-002.txt")));
        assertFalse(Files.exists(out.resolve("train/stale.txt")), "the corpus is rebuilt, not merged");
        List<String> manifest = Files.readAllLines(out.resolve("manifest.tsv"));
        assertEquals(1 + 2 + 1 + 2 + 2, manifest.size());
        assertTrue(manifest.contains("brown-ca18\tvalid\tcorpus-brown\t7\t"
                + BuiltinCorpus.sha256("A test.\n".getBytes(StandardCharsets.UTF_8))));
        assertEquals("sources", Files.readString(out.resolve("SOURCES.md")));
    }
}
