package org.rat4j.data.sft;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rat4j.config.ConfigException;
import org.rat4j.data.TestTokenizers;
import org.rat4j.model.TokenBatch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class SftJsonlTest {
    @TempDir
    Path dir;

    @Test
    void writeThenReadKeepsPromptAndResponse() throws Exception {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("prompt", "Question:\n\"what\" 日本?");
        r.put("response", "Answer.");
        r.put("task", "extra fields are kept in the file and ignored by the reader");
        Path f = dir.resolve("sft.jsonl");
        SftJsonl.write(f, List.of(r, Map.of("prompt", "p2", "response", "r2")));
        List<SftExample> ex = SftJsonl.read(f);
        assertEquals(List.of(new SftExample("Question:\n\"what\" 日本?", "Answer."), new SftExample("p2", "r2")), ex);
    }

    @Test
    void missingFieldNamesFileAndLine() throws Exception {
        Path f = dir.resolve("bad.jsonl");
        Files.writeString(f, "{\"prompt\": \"a\", \"response\": \"b\"}\n{\"prompt\": \"c\", \"answer\": \"d\"}\n");
        ConfigException e = assertThrows(ConfigException.class, () -> SftJsonl.read(f));
        assertTrue(e.getMessage().contains(f + " line 2") && e.getMessage().contains("\"response\""), e.getMessage());
        Path empty = dir.resolve("empty.jsonl");
        Files.writeString(empty, "");
        assertThrows(ConfigException.class, () -> SftJsonl.read(empty));
    }

    @Test
    void batchesAreShuffledPerEpochAndResumable() {
        SftCollator c = new SftCollator(TestTokenizers.tiny(), 6, 3, false);
        List<SftExample> ex = new ArrayList<>();
        String[] prompts = {"a", "b", "c", "ab", "bc", "abc", "aa", "hello", "he", "ll", "e"};
        for (String p : prompts) ex.add(new SftExample(p, "bc"));
        List<SftSequence> rows = c.collate(ex);
        SftBatches a = new SftBatches(rows, 4, 11);
        Set<String> epoch = new HashSet<>();
        List<TokenBatch> first = new ArrayList<>();
        for (int i = 0; i < 5; i++) first.add(a.nextBatch());
        for (int i = 0; i < 11; i++) epoch.add(java.util.Arrays.toString(first.get(i / 4).inputs()[i % 4]));
        assertEquals(11, epoch.size(), "each row once in the first epoch");
        long saved = a.state();
        TokenBatch next = a.nextBatch();
        SftBatches b = new SftBatches(rows, 4, 11);
        b.restore(saved);
        TokenBatch again = b.nextBatch();
        assertArrayEquals(next.inputs(), again.inputs());
        assertArrayEquals(next.targets(), again.targets());
        SftBatches fresh = new SftBatches(rows, 4, 11);
        assertArrayEquals(first.get(0).inputs(), fresh.nextBatch().inputs(), "same seed, same batches");
    }
}
