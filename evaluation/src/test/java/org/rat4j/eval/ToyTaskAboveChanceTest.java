package org.rat4j.eval;

import org.rat4j.attention.AttentionConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.rat4j.block.MixerConfig;
import org.rat4j.model.ModelConfig;
import org.rat4j.data.tokenizer.Tokenizer;
import org.rat4j.data.tokenizer.TokenizerFile;
import org.rat4j.data.tokenizer.TokenizerModel;
import org.rat4j.data.tokenizer.Tokenizers;
import org.rat4j.eval.task.TaskFile;
import org.rat4j.model.Gradients;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.model.TokenBatch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model trained on a toy task scores clearly above chance on it, and the same model untrained does not: the
 * evaluation sees what training taught. The toy task is a user task file over a JSONL of eight "{animal} says" items,
 * each with four sounds to choose from (every sound is the answer of one item and a distractor of others, so only the
 * animal-to-sound association helps). The model (byte-level tokenizer of 286 pieces, D=32, two attention layers) is
 * trained on the eight answers with Adam steps on {@code model.gradients}; the loss covers only the answer tokens.
 */
class ToyTaskAboveChanceTest {
    private static final String[] ANIMALS = {"cat", "dog", "cow", "duck", "sheep", "lion", "owl", "frog"};
    private static final String[] SOUNDS = {"meow", "woof", "moo", "quack", "baa", "roar", "hoot", "ribbit"};

    @TempDir
    Path dir;

    @Test
    void trainedModelIsAboveChanceAndTheUntrainedOneIsNot() throws IOException {
        Tokenizer tok = byteTokenizer(dir);
        Task task = toyTask(dir);
        RatLanguageModel model = RatLanguageModel.initialize(ModelConfig.of(tok.vocabSize(), 32, 2, 2, 32, AttentionConfig.full()), 7, DataType.FLOAT);
        EvalSettings settings = EvalSettings.defaults();

        TaskResult before = new Evaluator(model, tok, settings).evaluate(task);
        assertEquals(0.25, before.chance(), 1e-12);
        double beforeAcc = before.metrics().get("acc").value();

        train(model, tok, 100, 0.01);
        TaskResult after = new Evaluator(model, tok, settings).evaluate(task);
        double acc = after.metrics().get("acc").value();
        // chance 25% of 8 items: the 95% interval reaches 25 + 1.96·15.3 = 55%; the trained model must clear it
        assertTrue(acc >= 7.0 / 8, "trained acc " + acc + " (untrained " + beforeAcc + ")");
        assertTrue(beforeAcc <= 0.5, "untrained acc " + beforeAcc);
    }

    /** A SentencePiece-style tokenizer of bytes plus "▁" and a..z (no merges): 286 ids. */
    static Tokenizer byteTokenizer(Path dir) throws IOException {
        List<String> pieces = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        for (int b = 0; b < 256; b++) pieces.add(String.format("<0x%02X>", b));
        pieces.add("▁");
        for (char c = 'a'; c <= 'z'; c++) pieces.add(String.valueOf(c));
        Path f = dir.resolve("bytes.tokenizer");
        TokenizerFile.write(f, new TokenizerModel("toy-bytes", pieces, new int[0], new int[0], 0, 1, 2, true, Map.of()));
        return Tokenizers.load(f);
    }

    private static Task toyTask(Path dir) throws IOException {
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < ANIMALS.length; i++) {
            List<String> choices = new ArrayList<>();
            for (int k = 0; k < 4; k++) choices.add("\"" + SOUNDS[(i + 3 * k) % SOUNDS.length] + "\"");
            jsonl.append("{\"animal\": \"").append(ANIMALS[i]).append("\", \"sounds\": [").append(String.join(", ", choices))
                    .append("], \"label\": ").append(0).append("}\n");
        }
        Files.writeString(dir.resolve("toy.jsonl"), jsonl);
        Files.writeString(dir.resolve("toy.yaml"), """
                name: animal_sounds
                type: multiple_choice
                data: {path: toy.jsonl}
                context: "{animal} says"
                choices: "{sounds[*]}"
                gold: "{label}"
                metrics: [acc, acc_norm]
                """);
        return TaskFile.load(dir.resolve("toy.yaml"), Map.of());
    }

    /** Adam (β 0.9/0.999) on the answer tokens of "BOS {animal} says {sound}". */
    private static void train(RatLanguageModel model, Tokenizer tok, int steps, double lr) {
        int n = ANIMALS.length;
        int length = 32;
        int[][] in = new int[n][length];
        int[][] target = new int[n][length];
        for (int i = 0; i < n; i++) {
            int[] seq = tok.encode(ANIMALS[i] + " says " + SOUNDS[i], true);
            int ctx = tok.encode(ANIMALS[i] + " says", true).length;
            Arrays.fill(in[i], tok.eosId());
            Arrays.fill(target[i], TokenBatch.IGNORE);
            for (int j = 0; j + 1 < seq.length; j++) {
                in[i][j] = seq[j];
                if (j + 1 >= ctx) target[i][j] = seq[j + 1];
            }
        }
        TokenBatch batch = new TokenBatch(in, target);
        Map<String, INDArray> m1 = new HashMap<>();
        Map<String, INDArray> m2 = new HashMap<>();
        for (int step = 1; step <= steps; step++) {
            try (Gradients g = model.gradients(batch)) {
                for (Map.Entry<String, INDArray> e : g.byName().entrySet()) {
                    INDArray grad = e.getValue();
                    INDArray m = m1.computeIfAbsent(e.getKey(), k -> grad.like());
                    INDArray v = m2.computeIfAbsent(e.getKey(), k -> grad.like());
                    m.muli(0.9).addi(grad.mul(0.1));
                    v.muli(0.999).addi(grad.mul(grad).muli(0.001));
                    INDArray update = m.div(1 - Math.pow(0.9, step))
                            .divi(Transforms.sqrt(v.div(1 - Math.pow(0.999, step)), false).addi(1e-8));
                    model.parameters().get(e.getKey()).subi(update.muli(lr));
                }
            }
        }
    }
}
