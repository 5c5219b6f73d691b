package org.rat4j.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/** Everything one benchmark run produced: the root of {@code results.json}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"generated", "command", "wallSeconds", "loadStart", "loadEnd", "suite", "machine", "peer", "targets",
        "layer", "model", "profile"})
public class Report {
    public String generated;
    public String command;
    public Double wallSeconds;
    public String loadStart;
    public String loadEnd;
    public SuiteConfig suite;
    public MachineLimits machine;
    /** The PyTorch peer's own description (versions, threads, BLAS kernel, GEMM rate), as it wrote it. */
    public JsonNode peer;
    public List<Target> targets = new ArrayList<>();
    public List<LayerResult> layer = new ArrayList<>();
    public List<ModelResult> model = new ArrayList<>();
    public List<ProfileResult> profile = new ArrayList<>();

    /** One target of the issue, checked against this run. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Target {
        public String name;
        /** met, missed, partly met or not measured. */
        public String verdict;
        public String detail;

        public Target() {
        }

        public Target(String name, String verdict, String detail) {
            this.name = name;
            this.verdict = verdict;
            this.detail = detail;
        }
    }
}
