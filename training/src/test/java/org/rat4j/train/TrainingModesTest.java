package org.rat4j.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.rat4j.config.ConfigException;
import org.rat4j.data.sft.SftBatches;
import org.rat4j.data.sft.SftCollator;
import org.rat4j.data.sft.SftExample;
import org.rat4j.data.sft.SftSequence;
import org.rat4j.data.tokenizer.Tokenizer;
import org.rat4j.io.ModelIO;
import org.rat4j.model.Gradients;
import org.rat4j.model.ModelConfig;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.model.TokenBatch;
import org.rat4j.ratplus.RatPlusConfig;
import org.rat4j.train.config.ExperimentConfig;

import java.nio.file.Path;
import java.util.*;

import static org.junit.jupiter.api.Assertions.*;

/** Pretraining learns; RAT+ joint training makes two updates; adaptation switches the pattern; SFT learns responses only. */
class TrainingModesTest {
    @Test
    void pretrainingLowersTheValidationLoss(@TempDir Path dir) throws Exception {
        ExperimentConfig cfg = TestRuns.config(TestRuns.rat(), dir, "train.steps=60", "train.eval_every=60", "optim.lr=0.02");
        Trainer.Run run = TestRuns.run(cfg);
        double before = Trainer.evaluate(run.model(), run.valid());
        Trainer.Result r = new Trainer(run).progressBar(false).run();
        assertEquals(Math.log(TestRuns.VOCAB), before, 0.1, "an untrained model is near uniform");
        assertTrue(r.valLoss() < before - 1.0, "validation loss " + before + " -> " + r.valLoss());
        assertEquals(60, r.optimizerSteps());
    }

    @Test
    void jointTrainingMakesASparseAndADenseUpdatePerBatch(@TempDir Path dir) throws Exception {
        ExperimentConfig cfg = TestRuns.config(TestRuns.ratPlusJoint(), dir, "train.steps=4");
        assertTrue(Trainer.isJoint(cfg.resolveModel(null)));
        Trainer.Run run = TestRuns.run(cfg);
        // The first sparse update alone, on a copy that sees the same first batch:
        Trainer.Run copy = TestRuns.run(cfg);
        TokenBatch first = copy.train().next();
        double sparse = copy.model().loss(first, false);
        double dense = copy.model().loss(first, true);
        assertNotEquals(sparse, dense, 1e-6, "the D=4 pattern and dense attention differ");
        Trainer.Result r = new Trainer(run).progressBar(false).run();
        assertEquals(8, r.optimizerSteps());
        MetricsLog m = new MetricsLog(dir);
        m.loadUpTo(99);
        MetricsLog.Row row1 = m.rows().get(0);
        assertEquals(sparse, row1.loss(), 1e-5, "the reported loss is the sparse pass");
        assertFalse(Double.isNaN(row1.denseLoss()));
        assertTrue(row1.denseLoss() < dense, "the dense pass runs after the sparse update has improved the model");
    }

    @Test
    void resolutionAdaptationStartsFromTheWeightsWithTheTargetPattern(@TempDir Path dir) throws Exception {
        ExperimentConfig pre = TestRuns.config(TestRuns.ratPlusJoint(), dir.resolve("pre"), "train.steps=3");
        Trainer.Result r = new Trainer(TestRuns.run(pre)).progressBar(false).run();
        ExperimentConfig adapt = TestRuns.config(Map.of("backbone", Map.of("seq_cell", Map.of("dilation_size", 2, "local_size", 3,
                "initial_size", 1, "joint_train", false))), dir.resolve("adapt"), "train.steps=2", "train.init_from=" + dir.resolve("pre"));
        RatLanguageModel start = TrainingSetup.initFrom(adapt, Path.of(adapt.train().initFrom()), DataType.FLOAT);
        ModelConfig mc = start.config();
        RatPlusConfig cell = (RatPlusConfig) mc.mixer();
        assertEquals(List.of(2), cell.dilation());
        assertEquals(List.of(3), cell.local());
        assertEquals(List.of(1), cell.initial());
        assertFalse(Trainer.isJoint(mc));
        RatLanguageModel trained = ModelIO.load(r.finalModel(), DataType.FLOAT);
        for (String k : trained.parameters().keySet()) assertEquals(trained.parameters().get(k), start.parameters().get(k), k);
        Trainer.Result a = new Trainer(TestRuns.run(adapt, start, null)).progressBar(false).run();
        assertEquals(2, a.optimizerSteps(), "no joint updates after adaptation");
        assertEquals(2, ((RatPlusConfig) ModelConfig.fromJson(a.finalModel().resolve("config.json")).mixer()).dilation().get(0));

        ExperimentConfig wrong = TestRuns.config(Map.of("d_model", 32), dir.resolve("wrong"), "train.init_from=" + dir.resolve("pre"));
        ConfigException e = assertThrows(ConfigException.class, () -> TrainingSetup.initFrom(wrong, dir.resolve("pre"), DataType.FLOAT));
        assertTrue(e.getMessage().contains("does not fit the weights"), e.getMessage());
    }

    /** A character tokenizer over 'a'..'z' and space: ids 3.. (0 unk, 1 BOS, 2 EOS). */
    static final class CharTokenizer implements Tokenizer {
        static final String CHARS = " abcdefghijklmnopqrstuvwxyz";

        @Override
        public int[] encode(String text, boolean addBos) {
            int[] out = new int[text.length() + (addBos ? 1 : 0)];
            int i = 0;
            if (addBos) out[i++] = 1;
            for (char c : text.toCharArray()) out[i++] = CHARS.indexOf(c) < 0 ? 0 : 3 + CHARS.indexOf(c);
            return out;
        }

        @Override
        public String decode(int[] ids) {
            StringBuilder sb = new StringBuilder();
            for (int id : ids) if (id >= 3 && id < 3 + CHARS.length()) sb.append(CHARS.charAt(id - 3));
            return sb.toString();
        }

        @Override
        public String piece(int id) {
            return decode(new int[]{id});
        }

        @Override
        public int vocabSize() {
            return 3 + CHARS.length();
        }

        @Override
        public int bosId() {
            return 1;
        }

        @Override
        public int eosId() {
            return 2;
        }

        @Override
        public String id() {
            return "test-chars";
        }

        @Override
        public String hash() {
            return "0";
        }
    }

    @Test
    void sftLearnsTheResponsesAndNeverThePrompts(@TempDir Path dir) throws Exception {
        CharTokenizer tok = new CharTokenizer();
        List<SftExample> ex = new ArrayList<>();
        String[] words = {"red", "blue", "green", "gold", "pink", "grey"};
        for (int i = 0; i < 24; i++) {
            String w = words[i % words.length];
            ex.add(new SftExample("say " + w + " " + (char) ('a' + i % 7), w));   // the response is the word
        }
        SftCollator coll = new SftCollator(tok, TestRuns.SEQ, 12, false);
        List<SftSequence> rows = coll.collate(ex);
        ExperimentConfig cfg = TestRuns.config(TestRuns.rat(), dir, "train.steps=40", "optim.lr=0.02", "data.format=sft",
                "data.train=x.jsonl");
        RatLanguageModel model = RatLanguageModel.initialize(cfg.resolveModel(null), 3, DataType.FLOAT);
        SftBatchSource src = new SftBatchSource(new SftBatches(rows, 4, 3), 4, TestRuns.SEQ, rows.size());
        List<TokenBatch> valid = List.of(new SftBatches(rows, 4, 0).nextBatch());
        // Prompt positions carry no loss: a batch whose response targets are masked too has zero gradient.
        TokenBatch b = valid.get(0);
        int[][] none = new int[b.batchSize()][b.seqLen()];
        for (int[] row : none) Arrays.fill(row, TokenBatch.IGNORE);
        try (Gradients g = model.gradients(new TokenBatch(b.inputs(), none))) {
            assertEquals(0.0, GradientClipping.globalNorm(g.byName().values()), 0.0);
        }
        int learned = 0;
        for (int[] t : b.targets()) for (int x : t) if (x != TokenBatch.IGNORE) learned++;
        assertTrue(learned > 0 && learned < b.batchSize() * b.seqLen() / 2, "only response tokens are learned: " + learned);
        double before = Trainer.evaluate(model, valid);
        Trainer.Result r = new Trainer(new Trainer.Run(cfg, model, src, valid, dir, null, null)).progressBar(false).run();
        assertTrue(r.valLoss() < before - 1.0, "response loss " + before + " -> " + r.valLoss());
    }
}
