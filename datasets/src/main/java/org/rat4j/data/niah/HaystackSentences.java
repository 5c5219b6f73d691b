package org.rat4j.data.niah;

import org.rat4j.config.ConfigException;
import org.rat4j.data.text.Document;
import org.rat4j.data.text.DocumentReader;
import org.rat4j.data.text.InputResolver;
import org.rat4j.data.tokenizer.Tokenizer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Sentences of real prose to fill "essay" haystacks, with their token counts computed on first use and cached.
 * Documents are split after {@code . ! ?} (and a closing quote or bracket) followed by whitespace; whitespace inside
 * a sentence is collapsed to single spaces so that sentences join cleanly with one space.
 */
public final class HaystackSentences {
    private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?][\"')\\]]?)\\s+");
    private static final Pattern SPACES = Pattern.compile("\\s+");

    private final String[] sentences;
    private final int[] tokens;
    private final Tokenizer tokenizer;

    /** Splits documents into sentences; sentences over 2,000 characters (tables, lists) are left out. */
    public HaystackSentences(List<String> documents, Tokenizer tokenizer) {
        List<String> out = new ArrayList<>();
        for (String doc : documents) {
            for (String s : SENTENCE_END.split(doc)) {
                String t = SPACES.matcher(s).replaceAll(" ").strip();
                if (!t.isEmpty() && t.length() <= 2000) out.add(t);
            }
        }
        if (out.size() < 2) throw new ConfigException("the haystack text has fewer than 2 sentences; give more text");
        this.sentences = out.toArray(new String[0]);
        this.tokens = new int[sentences.length];
        Arrays.fill(tokens, -1);
        this.tokenizer = tokenizer;
    }

    /**
     * The haystack of an input spec ({@code builtin:valid}, files, folders: {@link InputResolver}), reading the
     * {@code textField} of JSONL records.
     */
    public static HaystackSentences load(String spec, String textField, Tokenizer tokenizer) {
        List<String> docs = new ArrayList<>();
        for (Path f : InputResolver.resolve(List.of(spec))) {
            for (Document d : DocumentReader.readAll(f, textField)) docs.add(d.text());
        }
        if (docs.isEmpty()) throw new ConfigException("the NIAH haystack " + spec + " holds no text");
        return new HaystackSentences(docs, tokenizer);
    }

    public int size() {
        return sentences.length;
    }

    public String sentence(int i) {
        return sentences[Math.floorMod(i, sentences.length)];
    }

    /** Tokens of sentence i when it follows a space in running text (its encoding without BOS). */
    public synchronized int tokens(int i) {
        int k = Math.floorMod(i, sentences.length);
        if (tokens[k] < 0) tokens[k] = tokenizer.encode(sentences[k], false).length;
        return tokens[k];
    }
}
