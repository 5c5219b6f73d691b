package org.rat4j.data.niah;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rat4j.config.ConfigException;
import org.rat4j.data.TestTokenizers;
import org.rat4j.data.sft.SftExample;
import org.rat4j.data.sft.SftJsonl;
import org.rat4j.data.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

class NiahGeneratorTest {
    private static final Pattern QUESTION = Pattern.compile("What are all the special magic (numbers|uuids) for (.+) mentioned in the "
            + "provided text\\? The special magic \\1 for \\2 mentioned in the provided text are$");

    @TempDir
    Path dir;

    private final Tokenizer tok = TestTokenizers.tiny();

    private static HaystackSentences essay(Tokenizer tok, String tag) {
        List<String> docs = new ArrayList<>();
        for (int d = 0; d < 5; d++) {
            StringBuilder sb = new StringBuilder();
            for (int s = 0; s < 40; s++) sb.append("The ").append(tag).append(" document ").append(d).append(" says thing ").append(s).append(". ");
            docs.add(sb.toString());
        }
        return new HaystackSentences(docs, tok);
    }

    @Test
    void everyTaskFillsTheLengthAndHidesItsAnswers() {
        NiahGenerator gen = new NiahGenerator(tok, essay(tok, "train"));
        int length = 1500;
        for (NiahTask task : NiahTask.values()) {
            for (int i = 0; i < 3; i++) {
                NiahSample s = gen.generate(task, length, NiahSplit.TRAIN, 1005, i);
                int recount = tok.encode(s.prompt(), true).length + tok.encode(s.response(), false).length + 1;
                assertEquals(recount, s.tokens(), task + ": reported length is BOS + prompt + response + EOS");
                assertTrue(s.tokens() <= length, task + " " + s.tokens());
                assertTrue(s.tokens() > length - 80, task + " fills the context: " + s.tokens());

                assertEquals(task.queries() * task.valuesPerKey(), s.answers().size());
                assertEquals(String.join(", ", s.answers()) + ".", s.response());
                Matcher m = QUESTION.matcher(s.prompt().substring(s.prompt().lastIndexOf('\n') + 1));
                assertTrue(m.matches(), task + " question: " + s.prompt().substring(s.prompt().lastIndexOf('\n') + 1));
                assertEquals(task.valueKind().plural(), m.group(1));
                String[] queried = m.group(2).replace(", and ", ", ").split(", ");
                assertEquals(task.queries(), queried.length);
                // each answer is stated by a needle for a queried key, exactly once
                for (String answer : s.answers()) {
                    int found = 0;
                    for (String key : queried) {
                        String needle = "One of the special magic " + task.valueKind().plural() + " for " + key + " is: " + answer + ".";
                        int at = s.prompt().indexOf(needle);
                        if (at >= 0) {
                            found++;
                            assertEquals(-1, s.prompt().indexOf(needle, at + 1));
                        }
                    }
                    assertEquals(1, found, task + " answer " + answer);
                    if (task.valueKind() == NiahTask.ValueKind.NUMBERS) assertTrue(answer.matches("[1-9]\\d{6}"), answer);
                    else assertTrue(answer.matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"), answer);
                }
                int needles = count(s.prompt(), "One of the special magic ");
                if (task.haystack() == NiahTask.HaystackKind.NEEDLES) {
                    assertTrue(needles >= 5, task + " haystack of distractor needles: " + needles);
                } else {
                    assertEquals(task.keys() * task.valuesPerKey(), needles, task.toString());
                }
                assertEquals(needles >= 1 ? task.keys() * task.valuesPerKey() : 0, s.depths().size());
            }
        }
    }

    @Test
    void samplesAreReproducibleOneByOne() {
        NiahGenerator gen = new NiahGenerator(tok, essay(tok, "train"));
        NiahSample a = gen.generate(NiahTask.NIAH_MULTIKEY_1, 900, NiahSplit.TRAIN, 7, 3);
        NiahSample b = new NiahGenerator(tok, essay(tok, "train")).generate(NiahTask.NIAH_MULTIKEY_1, 900, NiahSplit.TRAIN, 7, 3);
        assertEquals(a, b);
        assertNotEquals(a.prompt(), gen.generate(NiahTask.NIAH_MULTIKEY_1, 900, NiahSplit.TRAIN, 7, 4).prompt());
        assertNotEquals(a.prompt(), gen.generate(NiahTask.NIAH_MULTIKEY_1, 900, NiahSplit.TRAIN, 8, 3).prompt());
    }

    @Test
    void trainAndTestUseDisjointKeysAndHaystacks() {
        NiahGenerator train = new NiahGenerator(tok, essay(tok, "train"));
        NiahGenerator test = new NiahGenerator(tok, essay(tok, "test"));
        for (int i = 0; i < 20; i++) {
            NiahSample tr = train.generate(NiahTask.NIAH_SINGLE_2, 700, NiahSplit.TRAIN, 1, i);
            NiahSample te = test.generate(NiahTask.NIAH_SINGLE_2, 700, NiahSplit.TEST, 1, i);
            assertFalse(NeedleKeys.isTestKey(key(tr)), key(tr));
            assertTrue(NeedleKeys.isTestKey(key(te)), key(te));
            assertTrue(tr.prompt().contains("The train document") && !tr.prompt().contains("The test document"));
            assertTrue(te.prompt().contains("The test document"));
        }
    }

    private static String key(NiahSample s) {
        Matcher m = QUESTION.matcher(s.prompt().substring(s.prompt().lastIndexOf('\n') + 1));
        assertTrue(m.matches());
        return m.group(2);
    }

    @Test
    void tooShortALengthIsExplained() {
        NiahGenerator gen = new NiahGenerator(tok, null);
        ConfigException e = assertThrows(ConfigException.class, () -> gen.generate(NiahTask.NIAH_SINGLE_1, 50, NiahSplit.TRAIN, 1, 0));
        assertTrue(e.getMessage().contains("too short"), e.getMessage());
        assertThrows(ConfigException.class, () -> gen.generate(NiahTask.NIAH_SINGLE_2, 2000, NiahSplit.TRAIN, 1, 0),
                "essay tasks need haystack prose");
    }

    @Test
    void samplesAreSftJsonl() throws Exception {
        NiahGenerator gen = new NiahGenerator(tok, null);
        List<Map<String, Object>> records = new ArrayList<>();
        for (NiahSample s : gen.generateMany(NiahTask.NIAH_MULTIKEY_2, 600, NiahSplit.TEST, 3, 4)) records.add(s.toRecord());
        Path f = dir.resolve("niah.jsonl");
        SftJsonl.write(f, records);
        List<SftExample> ex = SftJsonl.read(f);
        assertEquals(4, ex.size());
        assertEquals(records.get(2).get("response"), ex.get(2).response());
        assertEquals(List.of(NiahTask.NIAH_SINGLE_1, NiahTask.NIAH_MULTIQUERY), NiahTask.parseList("niah_single_1, niah_multiquery"));
        assertEquals(8, NiahTask.parseList("all").size());
        assertThrows(ConfigException.class, () -> NiahTask.parseList("niah_single_9"));
    }

    private static int count(String s, String sub) {
        int n = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + 1)) n++;
        return n;
    }
}
