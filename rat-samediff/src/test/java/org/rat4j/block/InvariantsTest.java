package org.rat4j.block;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.rat4j.BlockHarness;
import org.rat4j.attention.AttentionBlock;
import org.rat4j.attention.AttentionConfig;
import org.rat4j.ops.GraphContext;
import org.rat4j.rat.InterChunkAttention;
import org.rat4j.rat.RatBlock;
import org.rat4j.rat.RatConfig;
import org.rat4j.ratplus.RatPlusBlock;
import org.rat4j.ratplus.RatPlusConfig;
import org.rat4j.ratplus.RatPlusPattern;
import org.rat4j.rnn.RnnBlock;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The invariants of spec §8 that concern single layers (I2, I3, I7, I8, I10); I1/I4/I5 live in the model tests. */
class InvariantsTest {
    static final BlockDims DIMS = new BlockDims(16, 4, 1e-6, 0.02);
    static final int T = 16;

    static List<SequenceBlock> causalBlocks() {
        return List.of(new RatBlock(DIMS, RatConfig.of(4, 2)), new RatBlock(DIMS, RatConfig.of(1, 2)),
                new AttentionBlock(DIMS, AttentionConfig.full()), new AttentionBlock(DIMS, AttentionConfig.sliding(3)),
                new RnnBlock(DIMS, T),
                new RatPlusBlock(DIMS, RatPlusConfig.of(4, 2, 1), new RatPlusPattern(4, 2, 1)),
                new RatPlusBlock(DIMS, RatPlusConfig.of(-1, 3, 2), new RatPlusPattern(-1, 3, 2)),
                new RatPlusBlock(DIMS, RatPlusConfig.of(1, 0, 0), new RatPlusPattern(1, 0, 0)),
                new RatPlusBlock(DIMS, RatPlusConfig.gatedAttention(), new RatPlusPattern(1, 0, 0)));
    }

    /** I2: perturbing x_s leaves out_{t<s} bit-identical. */
    @Test
    void causality() {
        for (SequenceBlock block : causalBlocks()) {
            Map<String, INDArray> p = BlockHarness.params(block, 3);
            INDArray x = BlockHarness.input(2, T, 16, 1);
            INDArray before = BlockHarness.run(block, p, x);
            for (int s : new int[]{5, 8, 15}) {
                INDArray x2 = x.dup();
                x2.get(NDArrayIndex.all(), NDArrayIndex.point(s), NDArrayIndex.all()).addi(0.7);
                INDArray after = BlockHarness.run(block, p, x2);
                INDArray earlyBefore = before.get(NDArrayIndex.all(), NDArrayIndex.interval(0, s), NDArrayIndex.all());
                INDArray earlyAfter = after.get(NDArrayIndex.all(), NDArrayIndex.interval(0, s), NDArrayIndex.all());
                assertEquals(earlyBefore, earlyAfter, block.getClass().getSimpleName() + " leaks from position " + s);
                assertNotEquals(before.get(NDArrayIndex.all(), NDArrayIndex.point(s), NDArrayIndex.all()),
                        after.get(NDArrayIndex.all(), NDArrayIndex.point(s), NDArrayIndex.all()));
            }
        }
    }

    /** I3: RAT with one chunk (L = T) equals the RNN layer with the same z, v, g weights. */
    @Test
    void ratWithOneChunkIsTheRnn() {
        RatBlock rat = new RatBlock(DIMS, RatConfig.of(T, 2));
        RnnBlock rnn = new RnnBlock(DIMS, T);
        Map<String, INDArray> pr = BlockHarness.params(rat, 5);
        Map<String, INDArray> pn = BlockHarness.params(rnn, 6);
        pn.get("in_proj.weight").assign(pr.get("in_proj.weight").get(NDArrayIndex.interval(0, 3 * 16), NDArrayIndex.all()));
        pn.get("gate_bias").assign(pr.get("gate_bias"));
        pn.get("out_proj.weight").assign(pr.get("out_proj.weight"));
        pn.get("input_norm.weight").assign(pr.get("input_norm.weight"));
        INDArray x = BlockHarness.input(2, T, 16, 2);
        double diff = BlockHarness.run(rat, pr, x).sub(BlockHarness.run(rnn, pn, x)).amaxNumber().doubleValue();
        assertTrue(diff <= 1e-15, "max |RAT(L=T) - RNN| = " + diff);
    }

    /**
     * I7: tokens of an earlier chunk reach later chunks only through its final state (K̄, V̄): changing the states at
     * non-final offsets of chunk 0 leaves every output of chunks 1.. unchanged, and does change chunk 0's outputs there.
     */
    @Test
    void earlierChunksActOnlyThroughTheirSummaries() {
        int heads = 2, d = 4, chunk = 4;
        INDArray q = BlockHarness.input(2, heads * T, d, 11).reshape(2, heads, T, d);
        INDArray k = BlockHarness.input(2, heads * T, d, 12).reshape(2, heads, T, d);
        INDArray v = BlockHarness.input(2, heads * T, d, 13).reshape(2, heads, T, d);
        INDArray before = interChunk(q, k, v, chunk, 0);
        INDArray k2 = k.dup(), v2 = v.dup();
        for (int t = 0; t < chunk - 1; t++) {                   // offsets 0..L-2 of chunk 0
            k2.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(t), NDArrayIndex.all()).addi(1.3);
            v2.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(t), NDArrayIndex.all()).subi(0.4);
        }
        INDArray after = interChunk(q, k2, v2, chunk, 0);
        assertEquals(before.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(chunk, T), NDArrayIndex.all()),
                after.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(chunk, T), NDArrayIndex.all()));
        assertNotEquals(before.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()),
                after.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()));
    }

    /** I8: InterRoPE depends only on chunk differences: shifting every chunk index by the same offset changes nothing. */
    @Test
    void interRopeIsShiftInvariant() {
        RatConfig cell = RatConfig.of(4, 2);
        RatBlock plain = new RatBlock(DIMS, cell);
        Map<String, INDArray> p = BlockHarness.params(plain, 9);
        INDArray x = BlockHarness.input(2, T, 16, 4);
        INDArray base = BlockHarness.run(plain, p, x);
        for (long offset : new long[]{1, 37, 1000}) {
            double diff = BlockHarness.run(new RatBlock(DIMS, cell, offset), p, x).sub(base).amaxNumber().doubleValue();
            assertTrue(diff < 1e-12, "offset " + offset + ": " + diff);
        }
        // InterRoPE positions are constant within a chunk: token t rotates by chunk floor(t/L).
        assertArrayEquals(new long[]{0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2}, org.rat4j.ops.RotaryEmbedding.positions(12, 4, 0));
        // The self score is rotation-free: rot(q)·rot(k) = q·k for one angle.
        INDArray[] tab = org.rat4j.ops.RotaryEmbedding.tables(new long[]{5}, 4, 10000);
        INDArray a = BlockHarness.input(1, 1, 4, 31).reshape(1, 1, 4), b = BlockHarness.input(1, 1, 4, 32).reshape(1, 1, 4);
        INDArray ra = org.rat4j.ops.RotaryEmbedding.applyEager(a, tab[0].reshape(1, 1, 4), tab[1].reshape(1, 1, 4));
        INDArray rb = org.rat4j.ops.RotaryEmbedding.applyEager(b, tab[0].reshape(1, 1, 4), tab[1].reshape(1, 1, 4));
        assertEquals(a.mul(b).sumNumber().doubleValue(), ra.mul(rb).sumNumber().doubleValue(), 1e-15);
        assertTrue(ra.sub(a).amaxNumber().doubleValue() > 0.1, "the rotation itself is not the identity");
    }

    /** I10: σ(b_f) lies in [0.5, (L−1)/L] for RAT (f ∈ [0.5, 0.9375] at L = 16) and in [0.5, (T−1)/T] for the RNN. */
    @Test
    void gateBiasInit() {
        INDArray rat = BlockHarness.params(new RatBlock(new BlockDims(256, 2, 1e-6, 0.02), RatConfig.of(16, 2)), 1).get("gate_bias");
        INDArray f = org.nd4j.linalg.ops.transforms.Transforms.sigmoid(rat, true);
        assertTrue(f.minNumber().doubleValue() >= 0.5 && f.maxNumber().doubleValue() <= 15.0 / 16);
        assertTrue(f.maxNumber().doubleValue() > 0.9 && f.minNumber().doubleValue() < 0.55, "spread over the range");
        INDArray rnn = BlockHarness.params(new RnnBlock(new BlockDims(256, 2, 1e-6, 0.02), 4096), 1).get("gate_bias");
        INDArray g = org.nd4j.linalg.ops.transforms.Transforms.sigmoid(rnn, true);
        assertTrue(g.minNumber().doubleValue() >= 0.5 && g.maxNumber().doubleValue() <= 4095.0 / 4096);
        assertTrue(g.maxNumber().doubleValue() > 0.99);
    }

    private static INDArray interChunk(INDArray q, INDArray k, INDArray v, int chunk, long offset) {
        int seqLen = (int) q.size(2);
        SameDiff sd = SameDiff.create();
        SDVariable qv = sd.constant("q", q), kv = sd.constant("k", k), vv = sd.constant("v", v);
        SDVariable y = InterChunkAttention.apply(new GraphContext(sd, seqLen, DataType.DOUBLE), qv, kv, vv,
                (int) q.size(1), (int) q.size(3), chunk, true, 10000, offset);
        return y.eval();
    }
}
