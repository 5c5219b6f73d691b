package org.rat4j.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rat4j.TestModels;
import org.rat4j.rat.RatConfig;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Float64 central finite differences against the analytic gradient of the LM loss, for every parameter tensor of
 * every layer type. This is what catches an ND4J upgrade that changes an op's gradient (the M2.1 ones we avoid are
 * listed in docs/dl4j-notes.md). The batch contains EOS inputs, so the masked loss and the Java-side embedding
 * scatter-add are checked too.
 */
class GradientCheckTest {
    private static final double EPS = 1e-5;

    static Stream<Arguments> configs() {
        return TestModels.all().entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void analyticGradientMatchesFiniteDifferences(String name, ModelConfig config) {
        RatLanguageModel model = TestModels.model(config, 21);
        int[][] windows = TestModels.tokens(2, TestModels.SEQ + 1, 8);
        windows[0][3] = config.eosId();
        windows[1][9] = config.eosId();
        windows[1][10] = windows[0][1];                // a repeated id: the scatter-add must accumulate
        TokenBatch batch = TokenBatch.fromWindows(windows);

        try (Gradients g = model.gradients(batch)) {
            assertTrue(Math.abs(g.loss() - model.loss(batch)) < 1e-12, "loss reported with gradients");
            SplittableRandom r = new SplittableRandom(1);
            int checked = 0;
            for (Map.Entry<String, INDArray> e : model.parameters().entrySet()) {
                INDArray p = e.getValue();
                INDArray grad = g.byName().get(e.getKey());
                for (int s = 0; s < 3; s++) {
                    long i = e.getKey().equals(RatLanguageModel.WTE)
                            ? (long) windows[s % 2][1 + s] * p.size(1) + r.nextInt((int) p.size(1))   // a looked-up row
                            : r.nextLong(p.length());
                    double analytic = grad.getDouble(i);
                    double orig = p.getDouble(i);
                    p.putScalar(i, orig + EPS);
                    double up = model.loss(batch);
                    p.putScalar(i, orig - EPS);
                    double down = model.loss(batch);
                    p.putScalar(i, orig);
                    double numeric = (up - down) / (2 * EPS);
                    double tol = 1e-5 * Math.max(Math.abs(analytic), Math.abs(numeric)) + 1e-8;
                    assertTrue(Math.abs(analytic - numeric) <= tol, name + " " + e.getKey() + "[" + i + "]: analytic "
                            + analytic + " numeric " + numeric);
                    checked++;
                }
            }
            assertTrue(checked == 3 * model.parameters().size(), "every tensor checked");
        }
    }

    /**
     * The embedding gradient when hundreds of positions share a handful of ids: a directional derivative over the
     * whole embedding matrix. libnd4j's scatter_add splits the rows across threads unless told to lock, and then
     * positions with the same id lose each other's updates (seen as a flaky training-resume test).
     */
    @Test
    void embeddingGradientAccumulatesManyRepeatedIds() {
        int vocab = 8;
        ModelConfig config = ModelConfig.of(vocab, TestModels.D, 1, TestModels.HEADS, 64, RatConfig.of(4, 2));
        RatLanguageModel model = TestModels.model(config, 5);
        SplittableRandom r = new SplittableRandom(9);
        int[][] windows = new int[16][65];
        for (int[] row : windows) for (int t = 0; t < row.length; t++) row[t] = 3 + r.nextInt(vocab - 3);   // no EOS
        TokenBatch batch = TokenBatch.fromWindows(windows);
        INDArray wte = model.parameters().get(RatLanguageModel.WTE);
        INDArray direction = Nd4j.rand(wte.dataType(), wte.shape()).subi(0.5);
        INDArray orig = wte.dup();
        wte.addi(direction.mul(EPS));
        double up = model.loss(batch);
        wte.assign(orig).subi(direction.mul(EPS));
        double down = model.loss(batch);
        wte.assign(orig);
        double numeric = (up - down) / (2 * EPS);
        for (int repeat = 0; repeat < 5; repeat++) {
            try (Gradients g = model.gradients(batch)) {
                double analytic = g.byName().get(RatLanguageModel.WTE).mul(direction).sumNumber().doubleValue();
                assertTrue(Math.abs(analytic - numeric) <= 1e-6 * Math.abs(numeric) + 1e-9,
                        "repeat " + repeat + ": analytic " + analytic + " numeric " + numeric);
            }
        }
    }
}
