package org.rat4j.model;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.rat4j.ReferenceModel;
import org.rat4j.TestModels;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The SameDiff forward equals a plain-Java float64 implementation of the spec, for every layer type (I4, I5 included). */
class ReferenceModelTest {

    static Stream<Arguments> configs() {
        return TestModels.all().entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void logitsEqualTheReference(String name, ModelConfig config) {
        RatLanguageModel model = TestModels.model(config, 3);
        int[][] ids = TestModels.tokens(2, TestModels.SEQ, 5);
        INDArray logits = model.logits(ids);
        ReferenceModel ref = new ReferenceModel(config, model.parameters());
        for (int b = 0; b < 2; b++) {
            double[][] want = ref.logits(ids[b]);
            double[][] got = logits.slice(b).toDoubleMatrix();
            double err = 0, scale = 0;
            for (int t = 0; t < want.length; t++) {
                for (int v = 0; v < want[t].length; v++) {
                    err = Math.max(err, Math.abs(want[t][v] - got[t][v]));
                    scale = Math.max(scale, Math.abs(want[t][v]));
                }
            }
            assertTrue(err <= 1e-12 * scale, name + ": max |diff| " + err + " vs scale " + scale);
        }
    }
}
