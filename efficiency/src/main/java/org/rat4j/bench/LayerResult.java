package org.rat4j.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.List;

/**
 * One layer-benchmark case and its outcome. {@code status} is {@code ok}, {@code oom} (an allocation failed),
 * {@code oom-predicted} (the memory estimate exceeded the budget, so the case was not started), {@code skipped}
 * (time budget; the note says why) or {@code error}. Times are milliseconds; the peer columns are filled by
 * {@link ResultsMerger} from the PyTorch run.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"mode", "mixer", "family", "d", "heads", "batch", "seqLen", "status", "note", "runs", "medianMs",
        "minMs", "maxMs", "spreadPct", "flops", "flopsExecuted", "gflops", "gemmFraction", "bytes", "gbps",
        "bandwidthFraction", "forwardMs", "fillMs", "memEstimate", "peakRss", "load1",
        "peerStatus", "peerMedianMs", "peerGflops", "vsPeer", "speedupVsAttention", "flopBound", "boundFraction", "bytesBound"})
public class LayerResult extends LayerCase {
    public String family;
    public String status;
    public String note;
    public Integer runs;
    public Double medianMs;
    public Double minMs;
    public Double maxMs;
    /** (max − min) / median, in percent. */
    public Double spreadPct;
    /** Model FLOPs of the case ({@link FlopCount}). */
    public Double flops;
    /** FLOPs rat4j's dense graph executes. */
    public Double flopsExecuted;
    /** flops / median time. */
    public Double gflops;
    /** gflops / measured GEMM rate. */
    public Double gemmFraction;
    /** gen: minimum bytes read per step ({@link FlopCount#genBytes}). */
    public Double bytes;
    public Double gbps;
    /** gbps / measured memory bandwidth. */
    public Double bandwidthFraction;
    /** prefill: median of the graph forward alone and of filling the cache from its taps. */
    public Double forwardMs;
    public Double fillMs;
    public Long memEstimate;
    public Long peakRss;
    /** 1-minute load average when the case ran (other work on the machine shows here). */
    public Double load1;
    public String peerStatus;
    public Double peerMedianMs;
    public Double peerGflops;
    /** rat4j median / PyTorch median (above 1: rat4j is slower). */
    public Double vsPeer;
    /** attention median / this median, same mode and T. */
    public Double speedupVsAttention;
    /** attention FLOPs / this case's FLOPs: the speed-up if both ran at the same FLOP rate (gen: the bytes ratio). */
    public Double flopBound;
    public Double boundFraction;
    /** gen: attention's bytes per step / this case's (the speed-up if both ran at the same bandwidth). */
    public Double bytesBound;

    public static final List<String> COLUMNS = List.of("mode", "mixer", "family", "d", "heads", "batch", "seqLen",
            "status", "note", "runs", "medianMs", "minMs", "maxMs", "spreadPct", "flops", "flopsExecuted", "gflops",
            "gemmFraction", "bytes", "gbps", "bandwidthFraction", "forwardMs", "fillMs", "memEstimate", "peakRss",
            "load1", "peerStatus", "peerMedianMs", "peerGflops", "vsPeer", "speedupVsAttention", "flopBound",
            "boundFraction", "bytesBound");

    public LayerResult() {
    }

    public LayerResult(String mode, MixerSpec mixer, int d, int heads, int batch, int seqLen) {
        super(mode, mixer.label(), d, heads, batch, seqLen);
        this.family = mixer.family();
    }

    public boolean ok() {
        return "ok".equals(status);
    }
}
