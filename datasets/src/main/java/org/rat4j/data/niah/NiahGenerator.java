package org.rat4j.data.niah;

import org.rat4j.config.ConfigException;
import org.rat4j.data.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Generates RULER-style needle-in-a-haystack samples of a given context length. The prompt follows RULER's NIAH
 * template:
 * <pre>
 * Some special magic numbers are hidden within the following text. Make sure to memorize it. I will quiz you about
 * the numbers afterwards.
 * &lt;haystack with needles "One of the special magic numbers for quiet-harbor is: 4816253."&gt;
 * What are all the special magic numbers for quiet-harbor mentioned in the provided text? The special magic numbers
 * for quiet-harbor mentioned in the provided text are
 * </pre>
 * and the response is the answers. The haystack is as long as fits: BOS + prompt + response + EOS is at most the
 * requested length and within one haystack sentence of it. Needles go at depths drawn without replacement from 40
 * evenly spaced values in [0, 1], as RULER does. Every sample is a pure function of (task, length, split, seed,
 * index), so any sample can be regenerated alone.
 */
public final class NiahGenerator {
    private static final String[] NOISE = {"The grass is green.", "The sky is blue.", "The sun is yellow.", "Here we go.",
            "There and back again."};
    private static final int DEPTH_STEPS = 40;

    private final Tokenizer tokenizer;
    private final HaystackSentences essay;
    private final int[] noiseTokens;

    /**
     * @param essay sentences for the essay-haystack tasks; may be null when only noise and needle haystacks are
     *              generated
     */
    public NiahGenerator(Tokenizer tokenizer, HaystackSentences essay) {
        this.tokenizer = tokenizer;
        this.essay = essay;
        noiseTokens = new int[NOISE.length];
        for (int i = 0; i < NOISE.length; i++) noiseTokens[i] = tokenizer.encode(NOISE[i], false).length;
    }

    /** {@code count} samples with indices {@code 0..count-1}. */
    public List<NiahSample> generateMany(NiahTask task, int length, NiahSplit split, long seed, int count) {
        List<NiahSample> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) out.add(generate(task, length, split, seed, i));
        return out;
    }

    /** The sample with this index; the same arguments always give the same sample. */
    public NiahSample generate(NiahTask task, int length, NiahSplit split, long seed, int index) {
        if (task.haystack() == NiahTask.HaystackKind.ESSAY && essay == null) {
            throw new ConfigException(task.taskName() + " needs prose for its haystack; give haystack documents");
        }
        Random rng = new Random(sampleSeed(task, length, split, seed, index));
        String kind = task.valueKind().plural();

        // Keys, their values, and the needles that state them.
        Set<String> keySet = new LinkedHashSet<>();
        while (keySet.size() < task.keys()) keySet.add(key(task, rng, split));
        List<String> keys = new ArrayList<>(keySet);
        Map<String, List<String>> values = new LinkedHashMap<>();
        Set<String> used = new java.util.HashSet<>();
        List<String> needles = new ArrayList<>();
        for (String k : keys) {
            List<String> vs = new ArrayList<>();
            while (vs.size() < task.valuesPerKey()) {
                String v = value(task, rng);
                if (used.add(v)) vs.add(v);
            }
            values.put(k, vs);
            for (String v : vs) needles.add(needle(kind, k, v));
        }
        java.util.Collections.shuffle(needles, rng);
        List<String> queried = keys.subList(0, task.queries());
        List<String> answers = new ArrayList<>();
        for (String q : queried) answers.addAll(values.get(q));
        String query = joinQuery(queried);
        String header = "Some special magic " + kind + " are hidden within the following text. Make sure to memorize it. "
                + "I will quiz you about the " + kind + " afterwards.\n";
        String question = "\nWhat are all the special magic " + kind + " for " + query + " mentioned in the provided text? "
                + "The special magic " + kind + " for " + query + " mentioned in the provided text are";
        String response = String.join(", ", answers) + ".";

        // Needle depths, as RULER: distinct values of 40 evenly spaced points in [0, 1].
        List<Double> grid = new ArrayList<>();
        for (int i = 0; i < DEPTH_STEPS; i++) grid.add(i / (double) (DEPTH_STEPS - 1));
        java.util.Collections.shuffle(grid, rng);
        List<Double> depths = new ArrayList<>(grid.subList(0, needles.size()));

        Haystack hay = new Haystack(task, rng, split, keySet);
        int responseTokens = tokenizer.encode(response, false).length + 1; // + EOS
        int fixed = total(header, hay.text(0, needles, depths), question, responseTokens);
        if (fixed > length) {
            throw new ConfigException("a context length of " + length + " tokens is too short for " + task.taskName()
                    + ": the instructions, needles and answer alone take " + fixed + "; use a longer --length");
        }
        int n = fit(hay, header, needles, depths, question, responseTokens, fixed, length);
        String prompt = header + hay.text(n, needles, depths) + question;
        int tokens = total(header, hay.text(n, needles, depths), question, responseTokens);
        List<Double> placed = new ArrayList<>();
        for (double d : depths) placed.add(n == 0 ? 0.0 : Math.round(d * n) / (double) n);
        return new NiahSample(task, split, seed, index, length, tokens, prompt, response, answers, placed);
    }

    /**
     * The most haystack units that keep the sample within {@code length} tokens: an estimate from the units' own
     * token counts (nearly additive when joined by spaces), corrected with exact encodes of the whole prompt.
     */
    private int fit(Haystack hay, String header, List<String> needles, List<Double> depths, String question, int responseTokens,
                    int fixed, int length) {
        int n = 0;
        long est = fixed;
        while (est + hay.tokens(n) <= length) est += hay.tokens(n++);
        int best = 0; // n = 0 fits: checked by the caller
        int tooMany = Integer.MAX_VALUE;
        for (int iter = 0; iter < 16 && n > best && n < tooMany; iter++) {
            int t = total(header, hay.text(n, needles, depths), question, responseTokens);
            if (t <= length) {
                best = n;
                int grow = 0;
                long room = length - t;
                while (room >= hay.tokens(n + grow) && n + grow + 1 < tooMany) room -= hay.tokens(n + grow++);
                if (grow == 0) break;
                n += grow;
            } else {
                tooMany = n;
                double avg = Math.max(1.0, (est - fixed) / (double) Math.max(1, n));
                n = Math.max(best, n - Math.max(1, (int) Math.ceil((t - length) / avg)));
            }
        }
        return best;
    }

    private int total(String header, String context, String question, int responseTokens) {
        return tokenizer.encode(header + context + question, true).length + responseTokens;
    }

    private static String needle(String kind, String key, String value) {
        return "One of the special magic " + kind + " for " + key + " is: " + value + ".";
    }

    private static String joinQuery(List<String> keys) {
        if (keys.size() == 1) return keys.get(0);
        return String.join(", ", keys.subList(0, keys.size() - 1)) + ", and " + keys.get(keys.size() - 1);
    }

    private static String key(NiahTask task, Random rng, NiahSplit split) {
        return task.keyKind() == NiahTask.KeyKind.WORDS ? NeedleKeys.wordKey(rng, split) : NeedleKeys.uuid(rng);
    }

    private static String value(NiahTask task, Random rng) {
        return task.valueKind() == NiahTask.ValueKind.NUMBERS ? NeedleKeys.number(rng) : NeedleKeys.uuid(rng);
    }

    static long sampleSeed(NiahTask task, int length, NiahSplit split, long seed, int index) {
        long h = seed;
        for (long part : new long[]{task.ordinal(), length, split.ordinal(), index}) {
            h = mix(h * 0x9E3779B97F4A7C15L + part);
        }
        return h;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The haystack units of one sample: noise sentences, corpus sentences from a random start, or distractor needles. */
    private final class Haystack {
        private final NiahTask task;
        private final int essayStart;
        private final Random rng;
        private final NiahSplit split;
        private final Set<String> realKeys;
        private final List<String> distractors = new ArrayList<>();
        private final List<Integer> distractorTokens = new ArrayList<>();

        Haystack(NiahTask task, Random rng, NiahSplit split, Set<String> realKeys) {
            this.task = task;
            this.rng = rng;
            this.split = split;
            this.realKeys = realKeys;
            this.essayStart = task.haystack() == NiahTask.HaystackKind.ESSAY ? rng.nextInt(essay.size()) : 0;
        }

        String unit(int i) {
            return switch (task.haystack()) {
                case NOISE -> NOISE[i % NOISE.length];
                case ESSAY -> essay.sentence(essayStart + i);
                case NEEDLES -> distractor(i);
            };
        }

        int tokens(int i) {
            return switch (task.haystack()) {
                case NOISE -> noiseTokens[i % NOISE.length];
                case ESSAY -> essay.tokens(essayStart + i);
                case NEEDLES -> {
                    distractor(i);
                    yield distractorTokens.get(i);
                }
            };
        }

        /** Distractor needles are made in order, so unit i is the same however far the haystack grows. */
        private String distractor(int i) {
            while (distractors.size() <= i) {
                String k;
                do {
                    k = key(task, rng, split);
                } while (realKeys.contains(k));
                String s = needle(task.valueKind().plural(), k, value(task, rng));
                distractors.add(s);
                distractorTokens.add(tokenizer.encode(s, false).length);
            }
            return distractors.get(i);
        }

        /** The first n units joined by spaces, with needle j inserted before unit round(depth_j * n). */
        String text(int n, List<String> needles, List<Double> depths) {
            List<List<String>> at = new ArrayList<>();
            for (int i = 0; i <= n; i++) at.add(new ArrayList<>(1));
            for (int j = 0; j < needles.size(); j++) at.get((int) Math.round(depths.get(j) * n)).add(needles.get(j));
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i <= n; i++) {
                for (String needle : at.get(i)) append(sb, needle);
                if (i < n) append(sb, unit(i));
            }
            return sb.toString();
        }

        private void append(StringBuilder sb, String s) {
            if (sb.length() > 0) sb.append(' ');
            sb.append(s);
        }
    }
}
