package org.rat4j.ops;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs an attention form on fixed q, k, v in float64 and returns its output and gradients, for comparing forms. */
public final class AttentionGradients {
    /** An attention form: {@code [B, H, T, d]} q, k, v in, {@code [B, H, T, d]} out. */
    public interface Form {
        SDVariable apply(GraphContext ctx, SDVariable q, SDVariable k, SDVariable v);
    }

    private AttentionGradients() {
    }

    /** Random q, k, v {@code [b, h, seqLen, d]} for a seed. */
    public static Map<String, INDArray> inputs(long seed, int b, int h, int seqLen, int d) {
        Nd4j.getRandom().setSeed(seed);
        return Map.of("q", Nd4j.randn(DataType.DOUBLE, b, h, seqLen, d), "k", Nd4j.randn(DataType.DOUBLE, b, h, seqLen, d),
                "v", Nd4j.randn(DataType.DOUBLE, b, h, seqLen, d));
    }

    /** The output y and the gradients of {@code sum(y ⊙ w)} (w a fixed ramp) with respect to q, k and v. */
    public static Map<String, INDArray> run(Map<String, INDArray> in, int seqLen, Form form) {
        SameDiff sd = SameDiff.create();
        GraphContext ctx = new GraphContext(sd, seqLen, DataType.DOUBLE);
        SDVariable y = sd.identity("y", form.apply(ctx, sd.var("q", in.get("q").dup()), sd.var("k", in.get("k").dup()),
                sd.var("v", in.get("v").dup())));
        long[] shape = in.get("q").shape();
        INDArray w = Nd4j.linspace(DataType.DOUBLE, 1, in.get("q").length(), 1).reshape(shape).div(100);
        sd.sum("loss", y.mul(sd.constant(w)));
        sd.setLossVariables("loss");
        Map<String, INDArray> grads = sd.calculateGradients(Map.of(), "q", "k", "v");
        INDArray out = sd.output(Map.of(), "y").get("y");
        return Map.of("y", out, "q", grads.get("q"), "k", grads.get("k"), "v", grads.get("v"));
    }

    /** Output and all three gradients agree to 1e-12. */
    public static void assertSame(Map<String, INDArray> a, Map<String, INDArray> b) {
        for (String name : List.of("y", "q", "k", "v")) {
            double diff = a.get(name).sub(b.get(name)).amaxNumber().doubleValue();
            assertTrue(diff < 1e-12, name + " differs by " + diff);
        }
    }
}
