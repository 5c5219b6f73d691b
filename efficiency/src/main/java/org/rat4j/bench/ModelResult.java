package org.rat4j.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

import java.util.ArrayList;
import java.util.List;

/** Whole-model generation throughput of one config (spec §6.1, model_eff.py). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"config", "description", "parameters", "status", "note", "promptTokens", "newTokens", "bestBatch",
        "tokensPerSecond", "msPerStepFirst", "msPerStepLast", "maxBatchByMemory", "stateBytesPerSequence",
        "searchStoppedBy", "load1", "search"})
public class ModelResult {
    /** One batch size tried. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Point {
        public int batch;
        public String status;
        public Double tokensPerSecond;
        public Double msPerStepFirst;
        public Double msPerStepLast;
        public Long peakRss;
        public String note;
    }

    public String config;
    public String description;
    public Long parameters;
    public String status;
    public String note;
    public int promptTokens;
    public int newTokens;
    public Integer bestBatch;
    public Double tokensPerSecond;
    public Double msPerStepFirst;
    public Double msPerStepLast;
    public Integer maxBatchByMemory;
    public Long stateBytesPerSequence;
    public String searchStoppedBy;
    public Double load1;
    public List<Point> search = new ArrayList<>();
}
