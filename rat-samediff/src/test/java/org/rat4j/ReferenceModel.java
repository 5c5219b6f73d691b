package org.rat4j;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.attention.AttentionConfig;
import org.rat4j.block.MixerConfig;
import org.rat4j.model.ModelConfig;
import org.rat4j.rat.RatConfig;
import org.rat4j.ratplus.RatPlusConfig;
import org.rat4j.ratplus.RatPlusPattern;
import org.rat4j.rnn.RnnConfig;

import java.util.HashMap;
import java.util.Map;

/**
 * A plain-Java float64 implementation of the spec, one sequence at a time, with sequential loops over time and no
 * ND4J ops: the tests compare the SameDiff graphs against it. RAT's attention uses the spec's LSE merge of the
 * inter-chunk softmax with the self score (§1.2 step 9) instead of the single softmax the graph uses.
 */
public final class ReferenceModel {
    private final ModelConfig c;
    private final Map<String, double[][]> mats = new HashMap<>();
    private final Map<String, double[]> vecs = new HashMap<>();

    public ReferenceModel(ModelConfig config, Map<String, INDArray> params) {
        this.c = config;
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            INDArray a = e.getValue().castTo(DataType.DOUBLE);
            if (a.rank() == 2) mats.put(e.getKey(), a.toDoubleMatrix());
            else vecs.put(e.getKey(), a.toDoubleVector());
        }
    }

    /** Logits [T][V] of one sequence. */
    public double[][] logits(int[] ids) {
        int t = ids.length;
        double[][] wte = mats.get("embedding.wte.weight");
        double[][] x = new double[t][];
        for (int i = 0; i < t; i++) x[i] = wte[ids[i]].clone();
        for (int l = 0; l < c.nLayers(); l++) {
            String p = "backbone.layers." + l + ".seq_layer.";
            MixerConfig cell = c.mixerFor(l);
            if (cell instanceof RatConfig r) {
                x = rat(x, p, r);
            } else if (cell instanceof AttentionConfig a) {
                x = attention(x, p, a, a.isSliding() ? a.window() : Integer.MAX_VALUE);
            } else if (cell instanceof RnnConfig) {
                x = rnn(x, p);
            } else if (cell instanceof RatPlusConfig rp) {
                x = ratPlus(x, p, rp, rp.patternFor(c.indexWithinCell(l)));
            } else {
                throw new IllegalArgumentException("no reference for " + cell);
            }
            x = ffn(x, "backbone.layers." + l + ".hidden_layer.");
        }
        double[][] head = c.tieEmbedding() ? wte : mats.get("head.lm_head.weight");
        double[][] out = new double[t][];
        for (int i = 0; i < t; i++) out[i] = matVec(head, rms(x[i], vecs.get("backbone.ln.weight")));
        return out;
    }

    // ------------------------------------------------------------------ blocks

    double[][] ffn(double[][] x, String p) {
        double[][] out = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            double[] h = matVec(mats.get(p + "fc1.weight"), rms(x[t], vecs.get(p + "ln.weight")));
            for (int j = 0; j < h.length; j++) h[j] = 0.5 * h[j] * (1 + erf(h[j] / Math.sqrt(2)));
            out[t] = add(x[t], matVec(mats.get(p + "fc2.weight"), h));
        }
        return out;
    }

    double[][] rat(double[][] x, String p, RatConfig cell) {
        int d = c.dModel(), hd = c.headDim(), heads = c.numHeads(), gw = cell.ngroups() * hd, len = cell.chunkSize();
        int n = x.length;
        double[][] z = new double[n][], q = new double[n][d], kt = new double[n][], vt = new double[n][];
        double[] kState = new double[d], vState = new double[d];
        for (int t = 0; t < n; t++) {
            double[] u = inProj(x[t], p);
            z[t] = sigmoid(slice(u, 0, d));
            double[] v = slice(u, d, d);
            double[] f = slice(u, 2 * d, d);
            double[] bias = vecs.get(p + "gate_bias");
            for (int j = 0; j < d; j++) f[j] = sig(f[j] + bias[j]);
            double[] k = new double[d];
            for (int j = 0; j < d; j++) {
                q[t][j] = u[3 * d + j % gw];
                k[j] = u[3 * d + gw + j % gw];
            }
            if (t % len == 0) {
                kState = new double[d];
                vState = new double[d];
            }
            for (int j = 0; j < d; j++) {
                kState[j] = f[j] * kState[j] + (1 - f[j]) * k[j];
                vState[j] = f[j] * vState[j] + (1 - f[j]) * v[j];
            }
            kt[t] = kState.clone();
            vt[t] = vState.clone();
        }
        double[][] out = new double[n][];
        for (int t = 0; t < n; t++) {
            double[] y = new double[d];
            int chunk = t / len;
            for (int h = 0; h < heads; h++) {
                double[] qh = rope(slice(q[t], h * hd, hd), chunk, base(cell.rope(), cell.ropeBase()));
                // Inter-chunk softmax over strictly previous chunks: O_inter, LSE_inter.
                double lse = Double.NEGATIVE_INFINITY;
                double[] scores = new double[chunk];
                for (int cc = 0; cc < chunk; cc++) {
                    double[] kb = rope(slice(kt[cc * len + len - 1], h * hd, hd), cc, base(cell.rope(), cell.ropeBase()));
                    scores[cc] = dot(qh, kb) / Math.sqrt(hd);
                    lse = logAdd(lse, scores[cc]);
                }
                double[] oInter = new double[hd];
                for (int cc = 0; cc < chunk; cc++) {
                    double w = Math.exp(scores[cc] - lse);
                    double[] vb = slice(vt[cc * len + len - 1], h * hd, hd);
                    for (int i = 0; i < hd; i++) oInter[i] += w * vb[i];
                }
                double self = dot(slice(q[t], h * hd, hd), slice(kt[t], h * hd, hd)) / Math.sqrt(hd);
                double m = Math.max(lse, self);
                double a = lse == Double.NEGATIVE_INFINITY ? 0 : Math.exp(lse - m);
                double b = Math.exp(self - m);
                double[] vs = slice(vt[t], h * hd, hd);
                for (int i = 0; i < hd; i++) y[h * hd + i] = (a * oInter[i] + b * vs[i]) / (a + b);
            }
            for (int j = 0; j < d; j++) y[j] *= z[t][j];
            out[t] = add(x[t], matVec(mats.get(p + "out_proj.weight"), y));
        }
        return out;
    }

    double[][] attention(double[][] x, String p, AttentionConfig cell, int window) {
        int d = c.dModel();
        int n = x.length;
        double[][] v = new double[n][], q = new double[n][], k = new double[n][];
        for (int t = 0; t < n; t++) {
            double[] u = inProj(x[t], p);
            v[t] = slice(u, 0, d);
            q[t] = slice(u, d, d);
            k[t] = slice(u, 2 * d, d);
        }
        double[][] y = attend(q, k, v, base(cell.rope(), cell.ropeBase()), (qi, ki) -> ki <= qi && qi - ki <= window);
        double[][] out = new double[n][];
        for (int t = 0; t < n; t++) out[t] = add(x[t], matVec(mats.get(p + "out_proj.weight"), y[t]));
        return out;
    }

    double[][] rnn(double[][] x, String p) {
        int d = c.dModel();
        double[] h = new double[d];
        double[][] out = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            double[] u = inProj(x[t], p);
            double[] bias = vecs.get(p + "gate_bias");
            double[] y = new double[d];
            for (int j = 0; j < d; j++) {
                double f = sig(u[2 * d + j] + bias[j]);
                h[j] = f * h[j] + (1 - f) * u[d + j];
                y[j] = sig(u[j]) * h[j];
            }
            out[t] = add(x[t], matVec(mats.get(p + "out_proj.weight"), y));
        }
        return out;
    }

    double[][] ratPlus(double[][] x, String p, RatPlusConfig cell, RatPlusPattern pattern) {
        int d = c.dModel();
        int n = x.length;
        double[][] o = new double[n][], q = new double[n][], k = new double[n][], v = new double[n][];
        double[] ks = new double[d], vs = new double[d];
        for (int t = 0; t < n; t++) {
            double[] u = inProj(x[t], p);
            o[t] = slice(u, 0, d);
            q[t] = slice(u, d, d);
            double[] kk = slice(u, 2 * d, d), vv = slice(u, 3 * d, d);
            if (cell.applyRe()) {
                for (int j = 0; j < d; j++) {
                    double f = sig(u[4 * d + j]);
                    ks[j] = f * ks[j] + (1 - f) * kk[j];
                    vs[j] = f * vs[j] + (1 - f) * vv[j];
                }
                kk = ks.clone();
                vv = vs.clone();
            }
            k[t] = kk;
            v[t] = vv;
        }
        double[][] y = attend(q, k, v, base(cell.rope(), cell.ropeBase()), pattern::allows);
        double[][] out = new double[n][];
        for (int t = 0; t < n; t++) {
            double[] g = y[t].clone();
            for (int j = 0; j < d; j++) g[j] *= sig(o[t][j]);
            out[t] = add(x[t], matVec(mats.get(p + "out_proj.weight"), g));
        }
        return out;
    }

    interface Mask {
        boolean allows(int q, int k);
    }

    /** Per-head softmax attention with RoPE at token positions. */
    double[][] attend(double[][] q, double[][] k, double[][] v, double base, Mask mask) {
        int n = q.length, hd = c.headDim();
        double[][] y = new double[n][c.dModel()];
        for (int h = 0; h < c.numHeads(); h++) {
            for (int t = 0; t < n; t++) {
                double[] qh = rope(slice(q[t], h * hd, hd), t, base);
                double[] s = new double[t + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= t; j++) {
                    s[j] = mask.allows(t, j) ? dot(qh, rope(slice(k[j], h * hd, hd), j, base)) / Math.sqrt(hd) : Double.NEGATIVE_INFINITY;
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = 0; j <= t; j++) sum += s[j] == Double.NEGATIVE_INFINITY ? 0 : Math.exp(s[j] - max);
                for (int j = 0; j <= t; j++) {
                    if (s[j] == Double.NEGATIVE_INFINITY) continue;
                    double w = Math.exp(s[j] - max) / sum;
                    for (int i = 0; i < hd; i++) y[t][h * hd + i] += w * v[j][h * hd + i];
                }
            }
        }
        return y;
    }

    // ------------------------------------------------------------------ math

    private double[] inProj(double[] x, String p) {
        return matVec(mats.get(p + "in_proj.weight"), rms(x, vecs.get(p + "input_norm.weight")));
    }

    double[] rms(double[] x, double[] g) {
        double ms = 0;
        for (double v : x) ms += v * v;
        double inv = 1 / Math.sqrt(ms / x.length + c.normEps());
        double[] o = new double[x.length];
        for (int i = 0; i < x.length; i++) o[i] = x[i] * inv * g[i];
        return o;
    }

    /** The RoPE base of a mixer, or NaN for no positional encoding ({@code rope: none}), which {@link #rope} skips. */
    static double base(boolean rope, double base) {
        return rope ? base : Double.NaN;
    }

    static double[] rope(double[] x, long pos, double base) {
        if (Double.isNaN(base)) return x;
        int d = x.length, half = d / 2;
        double[] o = new double[d];
        for (int i = 0; i < half; i++) {
            double th = pos * Math.pow(base, -2.0 * i / d);
            double cos = Math.cos(th), sin = Math.sin(th);
            o[i] = x[i] * cos - x[i + half] * sin;
            o[i + half] = x[i + half] * cos + x[i] * sin;
        }
        return o;
    }

    static double[] matVec(double[][] w, double[] x) {
        double[] o = new double[w.length];
        for (int i = 0; i < w.length; i++) o[i] = dot(w[i], x);
        return o;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    static double[] add(double[] a, double[] b) {
        double[] o = new double[a.length];
        for (int i = 0; i < a.length; i++) o[i] = a[i] + b[i];
        return o;
    }

    static double[] slice(double[] a, int from, int len) {
        return java.util.Arrays.copyOfRange(a, from, from + len);
    }

    static double sig(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    static double[] sigmoid(double[] a) {
        double[] o = new double[a.length];
        for (int i = 0; i < a.length; i++) o[i] = sig(a[i]);
        return o;
    }

    static double logAdd(double a, double b) {
        if (a == Double.NEGATIVE_INFINITY) return b;
        double m = Math.max(a, b);
        return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
    }

    /** erf to ~1e-16: Maclaurin series below 3, continued fraction for erfc above. */
    static double erf(double x) {
        double ax = Math.abs(x), r;
        if (ax < 3) {
            double term = ax, sum = ax;
            for (int n = 1; n < 300; n++) {
                term *= -ax * ax / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.abs(add) < 1e-18) break;
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            double f = 0;
            for (int n = 120; n >= 1; n--) f = n / 2.0 / (ax + f);
            r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
        }
        return x < 0 ? -r : r;
    }
}
