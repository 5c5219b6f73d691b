package org.rat4j.bench;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.ArrayList;
import java.util.List;

/** Where the time of one layer case goes, from {@link OpProfiler} (an untimed extra run). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ProfileResult extends LayerCase {
    public String status;
    public String note;
    /** Wall time of the profiled run (listener overhead included). */
    public Double wallMs;
    /** Sum of the op times the listener saw; the rest is SameDiff's session work and allocation. */
    public Double opsMs;
    public Double projectionMs;
    public Double projectionFlops;
    public Double projectionGflops;
    public Double projectionGemmFraction;
    /** Bytes of all op outputs of one run (what SameDiff allocates). */
    public Long outputBytes;
    public List<OpTime> byType = new ArrayList<>();
    public List<OpTime> topOps = new ArrayList<>();

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class OpTime {
        public String name;
        public String type;
        public long count;
        public double ms;
        public double outputMiB;
        public String shapes;
    }
}
