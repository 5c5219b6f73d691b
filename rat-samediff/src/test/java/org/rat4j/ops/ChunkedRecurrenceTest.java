package org.rat4j.ops;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Both forms of the chunked scan (step by step, Hillis–Steele) equal the recurrence run as a loop, in value and in
 * the gradient of {@code Σ h ⊙ w} with respect to f and u (central differences of the loop), in float64.
 */
class ChunkedRecurrenceTest {
    private static final int N = 3;
    private static final int F = 4;

    interface Form {
        SDVariable scan(SameDiff sd, SDVariable f, SDVariable u, int length);
    }

    @ParameterizedTest(name = "L={0}")
    @ValueSource(ints = {1, 2, 5, 8})
    void bothFormsEqualTheLoopInValueAndGradient(int length) {
        Random random = new Random(length);
        double[] f = new double[N * length * F];
        double[] u = new double[f.length];
        double[] w = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = 0.05 + 0.9 * random.nextDouble();
            u[i] = random.nextGaussian();
            w[i] = random.nextGaussian();
        }
        double[] want = loop(f, u, length);
        double[] wantGradF = new double[f.length];
        double[] wantGradU = new double[f.length];
        double eps = 1e-6;
        for (int i = 0; i < f.length; i++) {
            wantGradF[i] = centralDifference(f, i, eps, x -> dot(loop(x, u, length), w));
            wantGradU[i] = centralDifference(u, i, eps, x -> dot(loop(f, x, length), w));
        }
        for (Form form : new Form[]{ChunkedRecurrence::sequential, ChunkedRecurrence::hillisSteele}) {
            Map<String, INDArray> got = run(form, f, u, w, length);
            assertClose(want, got.get("h"), 1e-12, "h");
            assertClose(wantGradF, got.get("f"), 1e-7, "dL/df");
            assertClose(wantGradU, got.get("u"), 1e-7, "dL/du");
        }
    }

    private static Map<String, INDArray> run(Form form, double[] f, double[] u, double[] w, int length) {
        long[] shape = {N, length, F};
        SameDiff sd = SameDiff.create();
        SDVariable fv = sd.var("f", Nd4j.create(f, shape, DataType.DOUBLE));
        SDVariable uv = sd.var("u", Nd4j.create(u, shape, DataType.DOUBLE));
        SDVariable h = sd.identity("h", form.scan(sd, fv, uv, length));
        sd.sum("loss", h.mul(sd.constant(Nd4j.create(w, shape, DataType.DOUBLE))));
        sd.setLossVariables("loss");
        Map<String, INDArray> grads = sd.calculateGradients(Map.of(), "f", "u");
        return Map.of("h", sd.output(Map.of(), "h").get("h"), "f", grads.get("f"), "u", grads.get("u"));
    }

    /** {@code h_l = f_l·h_{l-1} + (1 − f_l)·u_l}, {@code h_{-1} = 0}, per sequence n and feature. */
    private static double[] loop(double[] f, double[] u, int length) {
        double[] h = new double[f.length];
        for (int n = 0; n < N; n++) {
            for (int j = 0; j < F; j++) {
                double state = 0;
                for (int l = 0; l < length; l++) {
                    int i = (n * length + l) * F + j;
                    state = f[i] * state + (1 - f[i]) * u[i];
                    h[i] = state;
                }
            }
        }
        return h;
    }

    private static double centralDifference(double[] x, int i, double eps, java.util.function.ToDoubleFunction<double[]> fn) {
        double[] plus = x.clone();
        double[] minus = x.clone();
        plus[i] += eps;
        minus[i] -= eps;
        return (fn.applyAsDouble(plus) - fn.applyAsDouble(minus)) / (2 * eps);
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    private static void assertClose(double[] want, INDArray got, double tolerance, String what) {
        double[] g = got.dup('c').data().asDouble();
        for (int i = 0; i < want.length; i++) assertEquals(want[i], g[i], tolerance, what + " at " + i);
    }
}
