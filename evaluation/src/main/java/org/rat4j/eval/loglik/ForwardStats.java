package org.rat4j.eval.loglik;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.LinkedHashMap;

/**
 * What the scorer fed the model: forward calls and their shapes, real and padded tokens, and where the time went.
 * Throughput is reported against the model's plain forward on the same shapes (docs/performance.md).
 */
public final class ForwardStats {
    /** One forward call: rows and padded length. */
    public record Shape(int rows, int length) {
    }

    private final List<Shape> shapes = new ArrayList<>();
    private long requests;
    private long realTokens;
    private long paddedTokens;
    private long scoredTokens;
    private long overLength;
    private long forwardNanos;
    private long totalNanos;

    void addForward(int rows, int length, long realTokensInBatch, long nanos) {
        shapes.add(new Shape(rows, length));
        realTokens += realTokensInBatch;
        paddedTokens += (long) rows * length;
        forwardNanos += nanos;
    }

    void addRequests(long n, long scored, long longerThanMax) {
        requests += n;
        scoredTokens += scored;
        overLength += longerThanMax;
    }

    void addTotal(long nanos) {
        totalNanos += nanos;
    }

    /** The shapes of every forward call, in order (to replay them through the plain forward). */
    public List<Shape> shapes() {
        return List.copyOf(shapes);
    }

    public long realTokens() {
        return realTokens;
    }

    public long paddedTokens() {
        return paddedTokens;
    }

    public double forwardSeconds() {
        return forwardNanos / 1e9;
    }

    public double totalSeconds() {
        return totalNanos / 1e9;
    }

    /** The numbers for results.json. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("requests", requests);
        m.put("forward_calls", shapes.size());
        m.put("rows", shapes.stream().mapToLong(Shape::rows).sum());
        m.put("real_tokens", realTokens);
        m.put("padded_tokens", paddedTokens);
        m.put("scored_tokens", scoredTokens);
        m.put("over_length", overLength);
        m.put("forward_seconds", forwardSeconds());
        m.put("scoring_seconds", totalSeconds());
        m.put("real_tokens_per_second", totalNanos == 0 ? 0.0 : realTokens / totalSeconds());
        // The scorer's speed as a share of its own forward calls' (same shapes, back to back, so the same machine load):
        // 1 would be a scorer that adds nothing to model.logits.
        m.put("forward_share", totalNanos == 0 ? 0.0 : (double) forwardNanos / totalNanos);
        return m;
    }
}
