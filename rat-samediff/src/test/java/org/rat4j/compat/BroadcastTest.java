package org.rat4j.compat;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class BroadcastTest {
    /**
     * loss = Σ w ⊙ (x ⊙ c ⊙ γ ⊙ s) with a constant table c [T, d], a gain γ [d] and a per-row scale s [B, H, T, 1]:
     * every gradient has a closed form, computed here in plain loops.
     */
    @Test
    void productAndGradientsMatchTheClosedForm() {
        int b = 2, h = 3, t = 4, d = 5;
        Nd4j.getRandom().setSeed(11);
        INDArray xv = Nd4j.randn(DataType.DOUBLE, b, h, t, d);
        INDArray cv = Nd4j.randn(DataType.DOUBLE, t, d);
        INDArray gv = Nd4j.randn(DataType.DOUBLE, d);
        INDArray sv = Nd4j.randn(DataType.DOUBLE, b, h, t, 1);
        INDArray wv = Nd4j.randn(DataType.DOUBLE, b, h, t, d);

        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", xv);
        SDVariable g = sd.var("g", gv);
        SDVariable s = sd.var("s", sv);
        SDVariable y = Dl4jM21.broadcastMultiply(sd, Dl4jM21.broadcastMultiply(sd, Dl4jM21.broadcastMultiply(sd, x, sd.constant("c", cv)), g), s);
        SDVariable loss = y.mul(sd.constant("w", wv)).sum();
        sd.setLossVariables(loss);

        double[] yExpected = new double[b * h * t * d];
        double[] dx = new double[yExpected.length];
        double[] dg = new double[d];
        double[] ds = new double[b * h * t];
        for (int i = 0; i < b; i++) for (int j = 0; j < h; j++) for (int k = 0; k < t; k++) for (int l = 0; l < d; l++) {
            int at = ((i * h + j) * t + k) * d + l;
            double xx = xv.getDouble(i, j, k, l), c = cv.getDouble(k, l), gg = gv.getDouble(l), ss = sv.getDouble(i, j, k, 0);
            double w = wv.getDouble(i, j, k, l);
            yExpected[at] = xx * c * gg * ss;
            dx[at] = w * c * gg * ss;
            dg[l] += w * xx * c * ss;
            ds[(i * h + j) * t + k] += w * xx * c * gg;
        }
        assertArrayEquals(yExpected, y.eval().reshape(-1).toDoubleVector(), 1e-12);
        Map<String, INDArray> grads = sd.calculateGradients(Map.of(), "x", "g", "s");
        assertArrayEquals(dx, grads.get("x").reshape(-1).toDoubleVector(), 1e-12);
        assertArrayEquals(dg, grads.get("g").toDoubleVector(), 1e-12);
        assertArrayEquals(ds, grads.get("s").reshape(-1).toDoubleVector(), 1e-12);
    }

    @Test
    void expandRepeatsTheSmallOperandToTheFullShape() {
        SameDiff sd = SameDiff.create();
        SDVariable like = sd.var("like", Nd4j.zeros(DataType.FLOAT, 2, 3, 2));
        SDVariable small = sd.constant("small", Nd4j.createFromArray(new float[][]{{1, 2}, {3, 4}, {5, 6}}));
        INDArray full = Dl4jM21.expandTo(sd, like, small).eval();
        assertArrayEquals(new long[]{2, 3, 2}, full.shape());
        assertEquals(21.0, full.get(org.nd4j.linalg.indexing.NDArrayIndex.point(1)).sumNumber().doubleValue(), 0.0);
        assertEquals(6.0, full.getDouble(0, 2, 1), 0.0);
    }
}
