package org.rat4j.dl4j;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's SameDiff layer runtime builds its graph once, with the time length of the first input baked into the
 * input placeholder. rat4j layers need T at build time (masks, RoPE tables, chunk counts), so this runtime rebuilds
 * the graph whenever a batch arrives with another T.
 */
final class GraphRebuildingLayer extends org.deeplearning4j.nn.layers.samediff.SameDiffLayer {
    private long builtFor = -1;

    GraphRebuildingLayer(NeuralNetConfiguration conf, DataType dataType) {
        super(conf, dataType);
    }

    private void matchSequenceLength() {
        long t = input.size(2);
        if (sameDiff != null && t != builtFor) sameDiff = null;
        builtFor = t;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        matchSequenceLength();
        return super.activate(training, workspaceMgr);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        matchSequenceLength();
        return super.backpropGradient(epsilon, workspaceMgr);
    }
}
