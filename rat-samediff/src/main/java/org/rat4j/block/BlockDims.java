package org.rat4j.block;

/**
 * The sizes every residual block needs.
 *
 * @param dModel   D
 * @param numHeads H (head size D/H)
 * @param normEps  RMSNorm epsilon
 * @param initStd  std of the N(0, std) weight init
 */
public record BlockDims(int dModel, int numHeads, double normEps, double initStd) {
    public int headDim() {
        return dModel / numHeads;
    }
}
