package org.rat4j.bench;

import com.fasterxml.jackson.annotation.JsonIgnore;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The grid and protocol of a layer-benchmark suite. {@code tokens} fixes B·T per mode (B = tokens / T), as in spec §6.1.
 * Suites:
 * <ul>
 *   <li>{@code default}: sized for a 2-core, 24 GiB CPU (D = 1024, 8 heads of 128);</li>
 *   <li>{@code gpu}: the paper's grid (D = 2048, 16 heads, B·T = 262,144, T to 131,072);</li>
 *   <li>{@code quick}: a smoke run (D = 256, small T) for checking the set-up in a minute.</li>
 * </ul>
 */
public class SuiteConfig {
    public String suite;
    public int d;
    public int heads;
    public List<Integer> seqLens = new ArrayList<>();
    public int tokensTrain;
    public int tokensPrefill;
    public int tokensGen;
    public List<String> modes = new ArrayList<>(Modes.ALL);
    public List<String> mixers = new ArrayList<>();
    /** Mixers of the train mode (a subset of {@link #mixers}; empty means all). */
    public List<String> trainMixers = new ArrayList<>();
    /** gen-batch: the T whose last position (T−1) is decoded, the batches, and the mixers (empty: all). */
    public int genBatchSeqLen;
    public List<Integer> genBatches = new ArrayList<>();
    public List<String> genBatchMixers = new ArrayList<>();
    /** Mixers timed by the PyTorch peer (a subset of {@link #mixers}). */
    public List<String> peerMixers = new ArrayList<>();
    public int warmup;
    /** Most warm-up runs of a train or prefill case while consecutive runs disagree (LayerBenchmark.Protocol). */
    public int maxWarmup;
    public int repeats;
    public int genWarmup;
    public int genRepeats;
    /** Timed runs of one case stop after this many seconds (at least one run). */
    public double caseSeconds;
    /** A case predicted (from the previous T) or seen to run longer than this is skipped / stopped. */
    public double caseTimeoutSeconds;
    /** The same for mixers other than attention and RAT(L=16), so that the budget reaches every mixer. */
    public double secondaryCaseTimeoutSeconds;
    /** Wall-clock budget of the whole layer suite; cases that would not fit are reported as skipped. */
    public double suiteSeconds;
    /** Memory a case may use (bytes); the worker is stopped above it and the case reported as OOM. */
    public long memoryBudget;
    public long seed = 1005;
    /** One worker JVM per mixer (all its modes) instead of one per mixer and mode: fewer JVM starts, for smoke runs. */
    public boolean workerPerMixer;
    /** T of the op-level profile of attention and RAT(L=16). */
    public int profileSeqLen = 2048;
    /** Whole-model throughput: the model YAMLs, seconds of search per config, and the largest batch tried. */
    public List<String> modelConfigs = new ArrayList<>(List.of("configs/model/tiny-attention.yaml", "configs/model/tiny-rat.yaml",
            "configs/model/tiny-attention-swa.yaml", "configs/model/tiny-rat-swa.yaml"));
    public double modelSeconds = 20;
    public int modelMaxBatch = 4096;
    /** Time budget of the PyTorch peer. */
    public double peerSeconds = 210;

    public static SuiteConfig named(String name) {
        SuiteConfig c = new SuiteConfig();
        c.suite = name.toLowerCase(Locale.ROOT);
        switch (c.suite) {
            case "default" -> {
                c.d = 1024;
                c.heads = 8;
                c.seqLens = List.of(512, 2048, 4096, 8192, 16384);
                // rat4j's SameDiff training graph holds ~330 [B·T, D] float arrays per step (RAT, D = 1024), about
                // 1.3 GiB per 1024 tokens, so train runs B·T = 4096 (docs/performance.md).
                c.tokensTrain = 4096;
                c.tokensPrefill = 16384;
                c.tokensGen = 16384;
                c.mixers = List.of("attention", "rat16", "rnn", "swa1024", "rat64", "rat128",
                        "ratplus16-0-4", "ratplus64-0-4");
                c.trainMixers = List.of("attention", "rat16", "rnn", "rat64");
                c.genBatchSeqLen = 4096;
                c.genBatches = List.of(16, 64, 128, 256);   // B = 4 at T = 4096 is the gen grid's own case; 256 nears the paper's 512
                c.genBatchMixers = List.of("attention", "rat16", "rnn", "swa1024", "rat64");
                c.peerMixers = List.of("attention", "rat16", "rnn", "swa1024");
                c.warmup = 1;
                c.maxWarmup = 4;
                c.repeats = 3;                         // a median of three: one slow run of the VM does not move it
                c.genWarmup = 3;
                c.genRepeats = 15;
                c.caseSeconds = 8;
                c.caseTimeoutSeconds = 30;
                c.secondaryCaseTimeoutSeconds = 12;
                c.suiteSeconds = 660;                  // + limits, profile, models and peer: under 20 minutes in all
                c.modelSeconds = 15;
                c.peerSeconds = 330;
            }
            case "gpu" -> {
                c.d = 2048;
                c.heads = 16;
                c.seqLens = List.of(4096, 8192, 16384, 32768, 65536, 131072);
                c.tokensTrain = 262144;
                c.tokensPrefill = 262144;
                c.tokensGen = 262144;
                c.mixers = List.of("attention", "rat16", "rnn", "swa1024", "rat64", "rat128",
                        "ratplus16-0-4", "ratplus64-0-4", "ratplus16-256-4");
                c.peerMixers = List.of("attention", "rat16", "rnn", "swa1024");
                c.genBatchSeqLen = 4096;
                c.genBatches = List.of(64, 128, 256, 512, 1024);
                c.warmup = 2;
                c.maxWarmup = 5;
                c.repeats = 5;
                c.genWarmup = 5;
                c.genRepeats = 20;
                c.caseSeconds = 30;
                c.caseTimeoutSeconds = 600;
                c.secondaryCaseTimeoutSeconds = 600;
                c.suiteSeconds = 4 * 3600;
            }
            case "quick" -> {
                // A smoke run of every stage in about a minute and a half: small shapes, one worker JVM per mixer.
                c.d = 256;
                c.heads = 2;
                c.seqLens = List.of(256, 512);
                c.tokensTrain = 512;
                c.tokensPrefill = 512;
                c.tokensGen = 512;
                c.mixers = List.of("attention", "rat16", "rnn", "swa128");
                c.peerMixers = List.of("attention", "rat16", "rnn", "swa128");
                c.genBatchSeqLen = 512;
                c.genBatches = List.of(1, 4);
                c.warmup = 1;
                c.maxWarmup = 1;
                c.repeats = 2;
                c.genWarmup = 2;
                c.genRepeats = 5;
                c.caseSeconds = 2;
                c.caseTimeoutSeconds = 20;
                c.secondaryCaseTimeoutSeconds = 20;
                c.suiteSeconds = 90;
                c.workerPerMixer = true;
                c.profileSeqLen = 512;
                c.modelConfigs = List.of("configs/model/tiny-attention.yaml", "configs/model/tiny-rat.yaml");
                c.modelSeconds = 8;
                c.modelMaxBatch = 16;
                c.peerSeconds = 40;
            }
            default -> throw new IllegalArgumentException("unknown suite '" + name + "'; use default, gpu or quick");
        }
        c.memoryBudget = 18L * Memory.GIB;
        return c;
    }

    public int tokens(String mode) {
        return switch (mode) {
            case Modes.TRAIN -> tokensTrain;
            case Modes.PREFILL -> tokensPrefill;
            default -> tokensGen;
        };
    }

    /** Whether {@code mixer} runs in {@code mode}. */
    public boolean runs(String mode, String mixer) {
        if (mode.equals(Modes.TRAIN)) return trainMixers == null || trainMixers.isEmpty() || trainMixers.contains(mixer);
        if (mode.equals(Modes.GEN_BATCH)) {
            return !genBatches.isEmpty() && (genBatchMixers == null || genBatchMixers.isEmpty() || genBatchMixers.contains(mixer));
        }
        return true;
    }

    @JsonIgnore
    public LayerBenchmark.Protocol protocol() {
        return new LayerBenchmark.Protocol(warmup, Math.max(warmup, maxWarmup), repeats, caseSeconds, genWarmup, genRepeats);
    }

    @JsonIgnore
    public List<MixerSpec> mixerSpecs() {
        List<MixerSpec> l = new ArrayList<>();
        for (String m : mixers) l.add(MixerSpec.parse(m));
        return l;
    }
}
