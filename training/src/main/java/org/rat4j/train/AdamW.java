package org.rat4j.train;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW exactly as {@code torch.optim.AdamW} (decoupled weight decay, no amsgrad), on live parameter arrays updated in
 * place. For each parameter p with gradient g, at update t (from 1):
 * <pre>
 *   p ← p·(1 − lr·wd)
 *   m ← β1·m + (1−β1)·g          v ← β2·v + (1−β2)·g²
 *   p ← p − (lr / (1−β1ᵗ)) · m / (√v / √(1−β2ᵗ) + eps)
 * </pre>
 * Weight decay applies to every parameter (the reference decays norms and embeddings too, spec §5.2). The moments
 * have the parameters' data type; one scratch array per parameter keeps the step free of allocations.
 */
public final class AdamW {
    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final Map<String, INDArray> params;
    private final Map<String, INDArray> m = new LinkedHashMap<>();
    private final Map<String, INDArray> v = new LinkedHashMap<>();
    private final Map<String, INDArray> scratch = new LinkedHashMap<>();
    private long t;

    public AdamW(Map<String, INDArray> params, double beta1, double beta2, double eps, double weightDecay) {
        this.params = params;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            m.put(e.getKey(), Nd4j.zeros(e.getValue().dataType(), e.getValue().shape()));
            v.put(e.getKey(), Nd4j.zeros(e.getValue().dataType(), e.getValue().shape()));
            scratch.put(e.getKey(), Nd4j.zeros(e.getValue().dataType(), e.getValue().shape()));
        }
    }

    /** One update of every parameter with learning rate {@code lr}; {@code grads} holds a gradient per parameter name. */
    public void step(Map<String, INDArray> grads, double lr) {
        t++;
        double bc1 = 1 - Math.pow(beta1, t);
        double bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
        double stepSize = lr / bc1;
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            String name = e.getKey();
            INDArray p = e.getValue();
            INDArray g = grads.get(name);
            if (g == null) throw new IllegalArgumentException("no gradient for parameter " + name);
            INDArray mi = m.get(name);
            INDArray vi = v.get(name);
            INDArray tmp = scratch.get(name);
            if (weightDecay != 0) p.muli(1 - lr * weightDecay);
            mi.muli(beta1).addi(tmp.assign(g).muli(1 - beta1));
            vi.muli(beta2).addi(tmp.assign(g).muli(g).muli(1 - beta2));
            tmp.assign(vi);
            Transforms.sqrt(tmp, false);
            tmp.divi(bc2Sqrt).addi(eps);          // denom = √v/√bc2 + eps
            tmp.rdivi(mi);                        // m / denom
            p.subi(tmp.muli(stepSize));
        }
    }

    /** Updates made so far (t). */
    public long steps() {
        return t;
    }

    /** First moments by parameter name (live arrays). */
    public Map<String, INDArray> firstMoments() {
        return m;
    }

    /** Second moments by parameter name (live arrays). */
    public Map<String, INDArray> secondMoments() {
        return v;
    }

    /** Restores moments and the update count from a checkpoint. */
    public void restore(Map<String, INDArray> firstMoments, Map<String, INDArray> secondMoments, long steps) {
        for (String name : params.keySet()) {
            INDArray a = firstMoments.get(name);
            INDArray b = secondMoments.get(name);
            if (a == null || b == null) {
                throw new org.rat4j.config.ConfigException("the optimizer state has no moments for parameter '" + name
                        + "'; the checkpoint does not belong to this model");
            }
            if (!java.util.Arrays.equals(a.shape(), m.get(name).shape()) || !java.util.Arrays.equals(b.shape(), v.get(name).shape())) {
                throw new org.rat4j.config.ConfigException("the optimizer state of '" + name + "' has shape "
                        + java.util.Arrays.toString(a.shape()) + " but the parameter has " + java.util.Arrays.toString(m.get(name).shape()));
            }
            m.get(name).assign(a);
            v.get(name).assign(b);
        }
        this.t = steps;
    }
}
