package org.rat4j.bench;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rat4j.block.BlockDims;
import org.rat4j.block.DecodeCache;
import org.rat4j.block.Initializer;
import org.rat4j.block.SequenceBlock;
import org.rat4j.ops.GraphContext;
import org.rat4j.ratplus.RatPlusConfig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Times one layer (its norm, projections, mixing and residual, float32) in one of the modes of spec §6.1:
 * <ul>
 *   <li>{@code train}: forward + backward of {@code out.mean()} in a SameDiff graph, gradients of every parameter;</li>
 *   <li>{@code prefill}: the graph's forward (no gradients) plus filling the decode cache from its taps;</li>
 *   <li>{@code gen}: one {@code DecodeCache.step} at position T−1 on a cache filled with random keys and values
 *       for positions 0..T−2 (as the reference, only the timing matters, not the contents).</li>
 * </ul>
 * Each case builds a fresh graph, runs untimed warm-ups, then timed runs; outputs and gradients are closed and the
 * JVM collected between runs (outside the timed region), since ND4J frees native memory only on collection.
 * The input is {@code 0.02·randn}, the parameters the reference initialisation.
 */
public final class LayerBenchmark {
    /**
     * How many runs, and how long one case may keep repeating. Train and prefill warm up for at least
     * {@code warmup} runs, then on until two consecutive runs agree within {@value LayerBenchmark#SETTLE_TOLERANCE} of each
     * other, for at most {@code maxWarmup} runs (see {@link Repeater#settling}).
     */
    public record Protocol(int warmup, int maxWarmup, int repeats, double caseSeconds, int genWarmup, int genRepeats) {
        public static Protocol quick() {
            return new Protocol(1, 1, 2, 5, 2, 5);
        }
    }

    /**
     * Relative difference under which two consecutive warm-up runs count as settled. On these VMs the first runs of a
     * worker after another large one were up to 2.3x slower for several runs (memory the guest had not touched
     * recently: a RAT prefill at T=512 took 2.7–4.3 s in a suite and 1.9 s alone; an attention prefill at T=2048
     * 5.0 s after one warm-up and 2.4 s after two).
     */
    public static final double SETTLE_TOLERANCE = 0.15;

    /** Milliseconds of each timed run; for prefill also its two parts. */
    public record Timings(double[] ms, double[] forwardMs, double[] fillMs) {
    }

    private final MixerSpec mixer;
    private final int d;
    private final int heads;
    private final int batch;
    private final int seqLen;
    private final long seed;
    private final SequenceBlock block;
    private final Map<String, INDArray> params = new LinkedHashMap<>();

    public LayerBenchmark(MixerSpec mixer, int d, int heads, int batch, int seqLen, long seed) {
        this.mixer = mixer;
        this.d = d;
        this.heads = heads;
        this.batch = batch;
        this.seqLen = seqLen;
        this.seed = seed;
        BlockDims dims = new BlockDims(d, heads, 1e-6, 0.02);
        this.block = mixer.block(dims, seqLen);
        block.checkSequenceLength(seqLen);
        block.parameterShapes().forEach((n, s) -> params.put(n, Nd4j.zeros(DataType.FLOAT, s)));
        block.initialize(params, new Initializer(seed));
    }

    public SequenceBlock block() {
        return block;
    }

    public Timings run(String mode, Protocol p) {
        return switch (mode) {
            case Modes.TRAIN -> train(p);
            case Modes.PREFILL -> prefill(p);
            case Modes.GEN, Modes.GEN_BATCH -> gen(p);
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        };
    }

    private INDArray input() {
        Nd4j.getRandom().setSeed(seed + 1);
        return Nd4j.randn(DataType.FLOAT, batch, seqLen, d).muli(0.02);
    }

    /** A fresh graph of the layer over placeholder {@code x}; returns the output variable. */
    private SDVariable graph(SameDiff sd, boolean taps, Map<String, SDVariable> vars) {
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, seqLen, d);
        params.forEach((n, a) -> vars.put(n, sd.var(n.replace('.', '_'), a)));
        return block.define(new GraphContext(sd, seqLen, DataType.FLOAT, taps), x, vars, "tap.");
    }

    /** The train-mode graph with its gradient function, for profiling. */
    public SameDiff trainGraph() {
        SameDiff sd = SameDiff.create();
        Map<String, SDVariable> vars = new LinkedHashMap<>();
        SDVariable out = graph(sd, false, vars);
        SDVariable loss = sd.mean("loss", out);
        sd.setLossVariables(loss);
        sd.createGradFunction();
        return sd;
    }

    public List<String> parameterVariables() {
        List<String> names = new ArrayList<>();
        for (String n : params.keySet()) names.add(n.replace('.', '_'));
        return names;
    }

    private Timings train(Protocol p) {
        SameDiff sd = trainGraph();
        List<String> names = parameterVariables();
        INDArray x = input();
        Map<String, INDArray> ph = Map.of("x", x);
        Repeater r = new Repeater(p.warmup(), p.repeats(), p.caseSeconds(), true).settling(p.maxWarmup());
        while (r.more()) {
            long s = System.nanoTime();
            Map<String, INDArray> g = sd.calculateGradients(ph, names);
            long e = System.nanoTime();
            for (INDArray a : g.values()) a.close();
            clearSessions(sd);
            r.record((e - s) / 1e6, Double.NaN, Double.NaN);
        }
        x.close();
        return r.timings(false);
    }

    /** The prefill graph and the names of its output and taps, for profiling. */
    public record PrefillGraph(SameDiff sd, List<String> outputs) {
    }

    public PrefillGraph prefillGraph() {
        SameDiff sd = SameDiff.create();
        SDVariable out = graph(sd, true, new LinkedHashMap<>());
        List<String> outputs = new ArrayList<>();
        outputs.add(out.name());
        for (String t : block.tapNames()) outputs.add("tap." + t);
        return new PrefillGraph(sd, outputs);
    }

    private Timings prefill(Protocol p) {
        PrefillGraph g = prefillGraph();
        INDArray x = input();
        Map<String, INDArray> ph = Map.of("x", x);
        int[] lengths = new int[batch];
        Arrays.fill(lengths, seqLen);
        Repeater r = new Repeater(p.warmup(), p.repeats(), p.caseSeconds(), true).settling(p.maxWarmup());
        while (r.more()) {
            long s = System.nanoTime();
            Map<String, INDArray> out = g.sd().output(ph, g.outputs());
            long m = System.nanoTime();
            DecodeCache cache = block.newCache(params, batch, seqLen);
            Map<String, INDArray> taps = new HashMap<>();
            for (String t : block.tapNames()) taps.put(t, out.get("tap." + t));
            cache.prefill(taps, lengths);
            long e = System.nanoTime();
            for (INDArray a : out.values()) a.close();
            clearSessions(g.sd());
            r.record((e - s) / 1e6, (m - s) / 1e6, (e - m) / 1e6);
        }
        x.close();
        return r.timings(true);
    }

    /**
     * Drops SameDiff's inference sessions (of the graph and of its gradient function). A session keeps every array of
     * the previous call until the next call has allocated its own, so a loop holds two iterations' arrays at its
     * peak; clearing after each call (outside the timed region) halves the peak and the fresh-page faults of the
     * next call (measured: RAT train, 2048 tokens at D = 1024, 5.9 GiB to 3.2 GiB peak).
     */
    public static void clearSessions(SameDiff sd) {
        sd.getSessions().clear();
        SameDiff grad = sd.getFunction("grad");
        if (grad != null) grad.getSessions().clear();
    }

    /**
     * Warm-up of the decode modes: at least {@code genWarmup} steps and {@value #GEN_WARMUP_SECONDS} s, at most
     * {@value #GEN_WARMUP_MAX_STEPS} steps. A decode step is plain Java loops that the JIT compiles only after
     * hundreds of calls; with three warm-up steps the first case of each worker was timed half-compiled (RAT at B=4:
     * 4–8 ms against 3–4 ms once warm, spreads of 100–400%).
     */
    static final double GEN_WARMUP_SECONDS = 1.5;
    static final int GEN_WARMUP_MAX_STEPS = 100;

    /** Extra slots so that repeated steps at T−1 never overflow a cache that appends (RAT+ dilated keys). */
    int genCapacity(Protocol p) {
        int steps = Math.max(p.genWarmup(), GEN_WARMUP_MAX_STEPS) + p.genRepeats() + 1;
        if (mixer.cell() instanceof RatPlusConfig rp && rp.patternFor(0).dilation() > 0) {
            return seqLen + steps * rp.patternFor(0).dilation();
        }
        return seqLen;
    }

    /** A cache as it would be after T−1 tokens: filled from random taps {@code [B, T, D]} with lengths T−1. */
    public DecodeCache filledCache(int capacity) {
        DecodeCache cache = block.newCache(params, batch, capacity);
        Nd4j.getRandom().setSeed(seed + 2);
        INDArray tap = Nd4j.randn(DataType.FLOAT, batch, seqLen, d).muli(0.02);
        Map<String, INDArray> taps = new HashMap<>();
        for (String t : block.tapNames()) taps.put(t, tap);
        int[] lengths = new int[batch];
        Arrays.fill(lengths, seqLen - 1);
        cache.prefill(taps, lengths);
        tap.close();
        return cache;
    }

    private Timings gen(Protocol p) {
        DecodeCache cache = filledCache(genCapacity(p));
        System.gc();
        Nd4j.getRandom().setSeed(seed + 3);
        INDArray x = Nd4j.randn(DataType.FLOAT, batch, d).muli(0.02);
        int[] positions = new int[batch];
        Arrays.fill(positions, seqLen - 1);
        Repeater r = new Repeater(p.genWarmup(), p.genRepeats(), p.caseSeconds(), false)
                .warmingFor(GEN_WARMUP_SECONDS, GEN_WARMUP_MAX_STEPS);
        while (r.more()) {
            long s = System.nanoTime();
            INDArray y = cache.step(x, positions);
            long e = System.nanoTime();
            y.close();
            r.record((e - s) / 1e6, Double.NaN, Double.NaN);
        }
        x.close();
        return r.timings(false);
    }

    /**
     * Warm-ups (a count, optionally also a time with a step cap), then timed runs until {@code repeats} or
     * {@code seconds} of timed runs (at least one).
     */
    static final class Repeater {
        private final int warmup;
        private final int repeats;
        private final double seconds;
        private final boolean gc;
        private double warmupSeconds;
        private int maxWarmup = Integer.MAX_VALUE;
        private boolean settle;
        private double lastWarmMs;
        private boolean warming = true;                // until the first timed run
        private double warmedMs;
        private int done;
        private double timedMs;
        private final List<double[]> runs = new ArrayList<>();

        Repeater(int warmup, int repeats, double seconds, boolean gc) {
            this.warmup = warmup;
            this.repeats = Math.max(1, repeats);
            this.seconds = seconds;
            this.gc = gc;
        }

        /** Also warm up until {@code seconds} of runs, but for no more than {@code maxSteps} runs. */
        Repeater warmingFor(double seconds, int maxSteps) {
            this.warmupSeconds = seconds;
            this.maxWarmup = Math.max(warmup, maxSteps);
            return this;
        }

        /**
         * Also warm up until a run is within {@link LayerBenchmark#SETTLE_TOLERANCE} of the run before it (that run is then the
         * first timed one), for at most {@code maxRuns} warm-up runs.
         */
        Repeater settling(int maxRuns) {
            this.settle = true;
            this.maxWarmup = Math.max(warmup, maxRuns);
            return this;
        }

        static boolean settled(double previousMs, double ms) {
            return Math.abs(ms - previousMs) <= SETTLE_TOLERANCE * Math.min(ms, previousMs);
        }

        boolean more() {
            if (gc && done > 0) Worker.cleanUp();
            int timed = runs.size();
            if (timed >= repeats) return false;
            return timed == 0 || timedMs < seconds * 1000;
        }

        void record(double ms, double forwardMs, double fillMs) {
            done++;
            if (warming) {
                boolean unsettled = settle && done > 1 && !settled(lastWarmMs, ms);
                if (done <= warmup || ((warmedMs < warmupSeconds * 1000 || unsettled) && done <= maxWarmup)) {
                    warmedMs += ms;
                    lastWarmMs = ms;
                    return;
                }
                warming = false;
            }
            runs.add(new double[]{ms, forwardMs, fillMs});
            timedMs += ms;
        }

        Timings timings(boolean parts) {
            double[] ms = runs.stream().mapToDouble(a -> a[0]).toArray();
            if (!parts) return new Timings(ms, null, null);
            return new Timings(ms, runs.stream().mapToDouble(a -> a[1]).toArray(), runs.stream().mapToDouble(a -> a[2]).toArray());
        }
    }
}
