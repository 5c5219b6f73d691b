package org.rat4j.train;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rat4j.train.config.ExperimentConfig;

import java.util.*;

import static org.junit.jupiter.api.Assertions.*;

/** AdamW, the schedule and clipping against hand-computed values. */
class OptimizerMathTest {
    @Test
    void adamwFirstStepMovesEachWeightByLrTimesSignAfterDecay() {
        INDArray p = Nd4j.createFromArray(0.5, -1.0);
        Map<String, INDArray> params = Map.of("w", p);
        AdamW opt = new AdamW(params, 0.9, 0.95, 1e-8, 0.1);
        opt.step(Map.of("w", Nd4j.createFromArray(0.1, -0.2)), 0.01);
        // p·(1 − lr·wd) − lr·m̂/(√v̂ + eps) with m̂ = g, √v̂ = |g| at t = 1
        assertEquals(0.5 * 0.999 - 0.01 * 0.1 / (0.1 + 1e-8), p.getDouble(0), 1e-15);
        assertEquals(-1.0 * 0.999 + 0.01 * 0.2 / (0.2 + 1e-8), p.getDouble(1), 1e-15);
        assertEquals(0.489500001, p.getDouble(0), 1e-12);
        assertEquals(-0.9890000005, p.getDouble(1), 1e-12);
        assertEquals(1, opt.steps());
    }

    @Test
    void adamwMatchesTheTorchFormulaOverSeveralSteps() {
        double lr = 0.003;
        double b1 = 0.9;
        double b2 = 0.95;
        double eps = 1e-8;
        double wd = 0.1;
        double[][] grads = {{0.1, -0.2}, {0.3, 0.05}, {-0.4, 0.0}, {0.02, -0.7}};
        INDArray p = Nd4j.createFromArray(0.5, -1.0);
        AdamW opt = new AdamW(Map.of("w", p), b1, b2, eps, wd);
        double[] ref = {0.5, -1.0};
        double[] m = new double[2];
        double[] v = new double[2];
        for (int t = 1; t <= grads.length; t++) {
            opt.step(Map.of("w", Nd4j.createFromArray(grads[t - 1])), lr);
            for (int i = 0; i < 2; i++) {             // torch.optim.AdamW, written out
                double g = grads[t - 1][i];
                ref[i] *= 1 - lr * wd;
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                double denom = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(b2, t)) + eps;
                ref[i] -= lr / (1 - Math.pow(b1, t)) * m[i] / denom;
            }
            assertEquals(ref[0], p.getDouble(0), 1e-14, "step " + t);
            assertEquals(ref[1], p.getDouble(1), 1e-14, "step " + t);
        }
        assertEquals(m[0], opt.firstMoments().get("w").getDouble(0), 1e-15);
        assertEquals(v[1], opt.secondMoments().get("w").getDouble(1), 1e-15);
    }

    @Test
    void adamwStateRestoresExactly() {
        INDArray p1 = Nd4j.createFromArray(new float[]{0.5f, -1f, 2f});
        INDArray p2 = p1.dup();
        AdamW a = new AdamW(Map.of("w", p1), 0.9, 0.95, 1e-8, 0.1);
        a.step(Map.of("w", Nd4j.createFromArray(new float[]{0.1f, 0.2f, -0.3f})), 0.01);
        AdamW b = new AdamW(Map.of("w", p2), 0.9, 0.95, 1e-8, 0.1);
        p2.assign(p1);
        b.restore(a.firstMoments(), a.secondMoments(), a.steps());
        INDArray g = Nd4j.createFromArray(new float[]{-0.5f, 0.25f, 0.125f});
        a.step(Map.of("w", g), 0.01);
        b.step(Map.of("w", g), 0.01);
        assertEquals(p1, p2);
    }

    @Test
    void scheduleWarmsUpLinearlyThenFollowsTheCosineToMinLr() {
        LrSchedule s = new LrSchedule(1e-3, 1e-6, 5, 100);
        assertEquals(2e-4, s.at(0), 1e-18);          // lr·(0+1)/5
        assertEquals(6e-4, s.at(2), 1e-18);
        assertEquals(1e-3, s.at(4), 1e-18);          // last warmup step
        assertEquals(1e-3, s.at(5), 1e-18);          // cos(0) = 1
        double mid = 1e-6 + (1e-3 - 1e-6) * (1 + Math.cos(Math.PI * 47.0 / 95.0)) / 2;
        assertEquals(mid, s.at(52), 1e-18);
        assertEquals(5.087587e-4, s.at(52), 1e-10);
        assertEquals(1.2730980e-6, s.at(99), 1e-12);     // one step before T_max: just above min_lr
        assertTrue(s.at(99) > 1e-6);
        for (int i = 6; i < 100; i++) assertTrue(s.at(i) < s.at(i - 1), "cosine decreases at " + i);
    }

    @Test
    void warmupIsFivePercentOfTheStepsRoundedDown() {
        ExperimentConfig.OptimConfig oc = new ExperimentConfig.OptimConfig(8e-4, 0.9, 0.95, 1e-8, 0.1, 0.05, -1, 1e-6, 1.0);
        assertEquals(2622, oc.warmupFor(52452));     // the RAT-xl run: int(0.05 · 52452)
        assertEquals(15, oc.warmupFor(300));
        assertEquals(0, oc.warmupFor(10));
        ExperimentConfig.OptimConfig fixed = new ExperimentConfig.OptimConfig(8e-4, 0.9, 0.95, 1e-8, 0.1, 0.05, 7, 1e-6, 1.0);
        assertEquals(7, fixed.warmupFor(300));
    }

    @Test
    void clippingScalesTheGlobalNormDownToTheLimit() {
        INDArray a = Nd4j.createFromArray(3.0, 4.0);
        INDArray b = Nd4j.createFromArray(new double[][]{{12.0}});
        double norm = GradientClipping.clip(List.of(a, b), 1.0);
        assertEquals(13.0, norm, 1e-12);
        double coef = 1.0 / (13.0 + 1e-6);
        assertEquals(3 * coef, a.getDouble(0), 1e-15);
        assertEquals(12 * coef, b.getDouble(0, 0), 1e-15);
        assertEquals(1.0, GradientClipping.globalNorm(List.of(a, b)), 1e-6);
    }

    @Test
    void clippingLeavesSmallGradientsAlone() {
        INDArray a = Nd4j.createFromArray(new float[]{0.3f, 0.4f});
        double norm = GradientClipping.clip(List.of(a), 1.0);
        assertEquals(0.5, norm, 1e-7);
        assertEquals(Nd4j.createFromArray(new float[]{0.3f, 0.4f}), a);
        assertEquals(DataType.FLOAT, a.dataType());
    }
}
