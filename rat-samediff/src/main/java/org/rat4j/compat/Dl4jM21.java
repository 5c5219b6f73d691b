package org.rat4j.compat;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;
import org.nd4j.linalg.factory.Nd4j;

import java.io.PrintStream;
import java.util.Arrays;

/**
 * The one place where rat4j works around DL4J / ND4J / SameDiff 1.0.0-M2.1. Each member names the problem and links
 * its item in docs/dl4j-notes.md, so that a fixed DL4J means editing this file (and {@link NativeMemory}, the
 * native-memory policy of item 10). The math that calls these reads as the equations: {@code repeatColumns(q_G, H/G)}
 * is {@code q_G} tiled H/G times, whatever M2.1 needs to compute it quickly.
 */
public final class Dl4jM21 {
    /** What SameDiff prints, once per op, each time it builds a gradient graph. */
    static final String GRADIENT_LOG_PREFIX = "Added differentiated op ";
    /** {@code -Drat4j.samediff.verbose=true} keeps SameDiff's gradient-graph lines. */
    public static final String VERBOSE_PROPERTY = "rat4j.samediff.verbose";

    /**
     * docs/dl4j-notes.md item 5: SameDiff infers the loss of a DL4J {@code SameDiffLayer} from the graph's leaves, and a
     * decode tap (a named side output) is a leaf, so graphs built inside DL4J layers emit no taps.
     */
    public static final boolean TAPS_IN_DL4J_LAYERS = false;

    private Dl4jM21() {
    }

    /**
     * {@code x} repeated {@code copies} times along the features ({@code [N, F]} to {@code [N, copies·F]}), as a
     * concat: M2.1's {@code tile} backward took 160 ms per step on a tiny model (docs/dl4j-notes.md item 8).
     */
    public static SDVariable repeatColumns(SameDiff sd, SDVariable x, int copies) {
        if (copies == 1) return x;
        SDVariable[] parts = new SDVariable[copies];
        Arrays.fill(parts, x);
        return sd.concat(1, parts);
    }

    /**
     * {@code x ⊙ small}, small broadcast to the shape of x, with {@code small} first expanded to the full shape
     * ({@code fill(shape(x), 0) + small}): {@code multiply_bp} with a broadcast operand tiles and reduces it element
     * by element, ~10× slower than on equal shapes (110–130 ms against 8–28 ms at [8, 8, 512, 128] × [512, 128]),
     * while a broadcasting {@code add_bp} is fast (11–20 ms). A constant operand (a RoPE table) then gets no backward
     * at all. docs/dl4j-notes.md item 16.
     */
    public static SDVariable broadcastMultiply(SameDiff sd, SDVariable x, SDVariable small) {
        return x.mul(expandTo(sd, x, small));
    }

    /** {@code small} repeated to the shape of {@code like} (ND4J's broadcasting: trailing axes align). */
    public static SDVariable expandTo(SameDiff sd, SDVariable like, SDVariable small) {
        return sd.fill(sd.shape(like), like.dataType(), 0.0).add(small);
    }

    /**
     * {@code x + 0·unused}: an output of a multi-output op ({@code unstack}) that nothing reads breaks DL4J's
     * SameDiffLayer backprop ("No variable/placeholder with name ...-grad exists"), so the first step of the
     * recurrence reads the gate it does not need. docs/dl4j-notes.md item 13.
     */
    public static SDVariable keepInUse(SDVariable unused, SDVariable x) {
        return unused.mul(0.0).add(x);
    }

    /**
     * {@code h + stopGradient(h)} with {@code h = y/2}: the forward value of y, half its backward. DL4J's
     * external-errors bridge adds the incoming error twice for every {@code SameDiffLayer}; without this DL4J's
     * gradient check fails on every parameter with relative error exactly 1/3 (docs/dl4j-notes.md, "Avoided ops").
     */
    public static SDVariable halveLayerGradient(SameDiff sd, SDVariable y) {
        SDVariable half = y.mul(0.5);
        return half.add(new StopGradient(sd, half).outputVariable());
    }

    /**
     * The DL4J parameter key of a state-dict name: a ComputationGraph splits "layer_param" keys at the <em>last</em>
     * underscore, so keys are camel-cased ({@code in_proj.weight} → {@code inProjWeight}). docs/dl4j-notes.md item 4.
     */
    public static String parameterKey(String stateDictName) {
        StringBuilder sb = new StringBuilder();
        boolean upper = false;
        for (char c : stateDictName.toCharArray()) {
            if (c == '.' || c == '_') {
                upper = true;
            } else {
                sb.append(upper && sb.length() > 0 ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return sb.toString();
    }

    /**
     * {@code target[indices[i]] += updates[i]} with libnd4j's "lock" argument set: unlocked, it splits the rows over
     * threads and two rows with the same index race, losing updates (a flaky embedding gradient).
     * docs/dl4j-notes.md item 12.
     */
    public static void scatterAdd(INDArray target, int[] indices, INDArray updates) {
        Nd4j.exec(DynamicCustomOp.builder("scatter_add")
                .addInputs(target, Nd4j.createFromArray(indices), updates).addOutputs(target).addBooleanArguments(true).build());
    }

    /** {@code SameDiff.GRAD_FN_KEY} (protected in M2.1): the name of a graph's gradient function. */
    private static final String GRADIENT_FUNCTION = "grad";

    /**
     * Drops the per-thread sessions of a graph and of its gradient function. In M2.1 a session's
     * {@code ArrayCacheMemoryMgr} adds the id of every array it releases to a set it never shrinks (about 980 ids per
     * tiny-rat training step), so a long run grows; the next execution builds fresh sessions (0 to 1 s once). The
     * graph, its variables and so the numbers are untouched. docs/dl4j-notes.md item 21.
     */
    public static void clearSessions(SameDiff sd) {
        sd.getSessions().clear();
        SameDiff gradient = sd.getFunction(GRADIENT_FUNCTION);
        if (gradient != null) gradient.getSessions().clear();
    }

    /**
     * docs/dl4j-notes.md item 11: {@code SameDiff.createGradFunction} prints "Added differentiated op NAME" with
     * {@code System.out.println} for every op of every gradient graph it builds (hundreds of lines for one rat4j
     * model, again for every new sequence length), also inside a user's own DL4J training. This drops exactly those
     * lines: {@code System.out} becomes a stream that passes everything else through unchanged. Idempotent;
     * rat4j's layers and models call it when they load.
     */
    public static synchronized void quietGradientLog() {
        if (System.out instanceof QuietGradientLog || Boolean.getBoolean(VERBOSE_PROPERTY)) return;
        System.setOut(new QuietGradientLog(System.out));
    }

    /** Forwards to the stream it wraps, except the lines SameDiff prints while differentiating. */
    static final class QuietGradientLog extends PrintStream {
        QuietGradientLog(PrintStream target) {
            super(target, true);
        }

        @Override
        public void println(String line) {
            if (line != null && line.startsWith(GRADIENT_LOG_PREFIX)) return;
            super.println(line);
        }
    }
}
