package org.rat4j.train;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rat4j.compat.NativeMemory;
import org.rat4j.model.Gradients;
import org.rat4j.model.RatLanguageModel;
import org.rat4j.model.TokenBatch;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One training iteration of the pure-SameDiff model (spec §5.2): the global batch is read as {@code accumulation}
 * micro-batches whose gradients are averaged, clipped to a global norm and applied by {@link AdamW}; every gradient set
 * is closed at once so native memory stays flat. RAT+ models with {@code joint_train} make two updates per iteration on
 * the same batch, first with the sparse pattern and then dense (spec §3.3).
 *
 * <p>It also watches for divergence ({@link Unstable}): a loss or gradient norm that is not finite stops the iteration
 * before its update, and so does an update that blows the weights up, seen as their global norm more than
 * {@link #BLOW_UP_GROWTH doubling} in one update. The latter comes first: with {@code optim.lr=1e6} on the test model
 * the first bad update took the largest weight from 1.07 to 875,378 while the next loss was still finite (7.30, or
 * exactly ln V with the gradient norm 0 from a fresh model), and NaN came one or two updates later, after the blown-up
 * weights had been checkpointed as "good". So every weight a checkpoint holds has passed this check.
 */
final class TrainingStep {
    /**
     * The largest growth of the parameters' global L2 norm that one update may cause. AdamW moves each weight by about
     * lr per update, so the norm can double only when lr is of the order of the weights themselves (0.02 at
     * initialisation, 1 for the norms' gains): far beyond any working learning rate. The test model's first update at
     * lr 0.02 grows the norm by 2%; at lr 1e6 by a factor of about 10^5.
     */
    static final double BLOW_UP_GROWTH = 2.0;

    /** Why an iteration stopped: the cause in words, and whether the failing update was applied already. */
    static final class Unstable extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final boolean applied;

        /**
         * @param cause   e.g. "the loss became NaN", or "one update took their norm from 12.3 to 8.75e+05" for the weights
         * @param applied the update was made, so the weights in memory are the blown-up ones
         */
        Unstable(String cause, boolean applied) {
            super(cause, null, false, false);
            this.applied = applied;
        }

        static Unstable notFinite(String what, double value) {
            return new Unstable("the " + what + " became " + value, false);
        }
    }

    /**
     * The losses of an iteration: {@code passLoss[0]} the (sparse) training loss, {@code passLoss[1]} the dense pass of
     * joint training; {@code gradNorm} is the first pass's norm before clipping.
     */
    record Outcome(double[] passLoss, double gradNorm) {
        double loss() {
            return passLoss[0];
        }

        double denseLoss() {
            return passLoss.length > 1 ? passLoss[1] : Double.NaN;
        }
    }

    private final RatLanguageModel model;
    private final AdamW optimizer;
    private final BatchSource source;
    private final int accumulation;
    private final double gradClip;
    private final boolean joint;
    private final int gcEvery;
    /** Gradient sums over micro-batches, or null without accumulation. */
    private final Map<String, INDArray> acc;
    private double weightNorm;
    private long micro;

    TrainingStep(RatLanguageModel model, AdamW optimizer, BatchSource source, int accumulation, double gradClip, boolean joint,
                 int gcEvery) {
        this.model = model;
        this.optimizer = optimizer;
        this.source = source;
        this.accumulation = accumulation;
        this.gradClip = gradClip;
        this.joint = joint;
        this.gcEvery = gcEvery;
        this.acc = accumulation > 1 ? zerosLike(model.parameters()) : null;
        this.weightNorm = GradientClipping.globalNorm(model.parameters().values());
    }

    /** Reads the next batches and makes the iteration's update(s) with learning rate {@code lr}. */
    Outcome run(double lr) {
        List<TokenBatch> batches = new ArrayList<>(accumulation);
        for (int i = 0; i < accumulation; i++) batches.add(source.next());
        double[] passLoss = new double[joint ? 2 : 1];
        double gradNorm = 0;
        for (int pass = 0; pass < passLoss.length; pass++) {
            boolean dense = pass == 1;
            double lossSum = 0;
            Gradients single = null;
            for (TokenBatch b : batches) {
                Gradients g = model.gradients(b, dense);
                if (!Double.isFinite(g.loss())) {
                    g.close();
                    throw Unstable.notFinite("loss", g.loss());
                }
                lossSum += g.loss();
                if (acc == null) {
                    single = g;
                } else {
                    for (Map.Entry<String, INDArray> e : acc.entrySet()) e.getValue().addi(g.byName().get(e.getKey()));
                    g.close();
                    maybeGc();
                }
            }
            Map<String, INDArray> grads = acc != null ? acc : single.byName();
            try {
                if (acc != null) for (INDArray a : acc.values()) a.divi(accumulation);
                double norm = GradientClipping.clip(grads.values(), gradClip);
                if (!Double.isFinite(norm)) throw Unstable.notFinite("gradient norm", norm);
                if (pass == 0) gradNorm = norm;
                optimizer.step(grads, lr);
            } finally {
                if (single != null) single.close();
                if (acc != null) for (INDArray a : acc.values()) a.assign(0);
            }
            if (acc == null) maybeGc();
            checkWeights();
            passLoss[pass] = lossSum / accumulation;
        }
        return new Outcome(passLoss, gradNorm);
    }

    /** After an update: the weights' norm must be finite and at most {@link #BLOW_UP_GROWTH} times what it was. */
    private void checkWeights() {
        double now = GradientClipping.globalNorm(model.parameters().values());
        if (!Double.isFinite(now) || now > BLOW_UP_GROWTH * weightNorm) {
            throw new Unstable(String.format(Locale.ROOT, "one update took their norm from %.4g to %.4g", weightNorm, now), true);
        }
        weightNorm = now;
    }

    /** ND4J frees native memory only when Java collects the arrays' wrappers: collect every gc_every micro-batches. */
    private void maybeGc() {
        NativeMemory.afterMicroBatch(++micro, gcEvery);
    }

    private static Map<String, INDArray> zerosLike(Map<String, INDArray> params) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        params.forEach((n, a) -> m.put(n, Nd4j.zeros(a.dataType(), a.shape())));
        return m;
    }
}
