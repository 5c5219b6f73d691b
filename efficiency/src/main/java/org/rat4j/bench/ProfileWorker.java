package org.rat4j.bench;

import org.rat4j.platform.Nd4jBackends;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Child-JVM entry that profiles layer cases op by op: after untimed warm-ups, one run with an {@link OpProfiler}
 * attached. Reports the time of the projection GEMMs (their share of the GEMM rate) and the slowest op types.
 * Arguments: {@code outJson gemmGflops seed mode:mixer:d:heads:batch:T ...}.
 */
public final class ProfileWorker {
    private ProfileWorker() {
    }

    public static void main(String[] args) throws IOException {
        Nd4jBackends.select();  // the build this CPU runs, before ND4J loads (as the parent benchmark did)
        double gemm = Double.parseDouble(args[1]);
        long seed = Long.parseLong(args[2]);
        List<ProfileResult> out = new ArrayList<>();
        for (int i = 3; i < args.length; i++) {
            String[] p = args[i].split(":");
            ProfileResult r = new ProfileResult();
            r.mode = p[0];
            r.mixer = p[1];
            r.d = Integer.parseInt(p[2]);
            r.heads = Integer.parseInt(p[3]);
            r.batch = Integer.parseInt(p[4]);
            r.seqLen = Integer.parseInt(p[5]);
            try {
                profile(r, gemm, seed);
                r.status = "ok";
            } catch (Throwable e) {
                r.status = Memory.isOutOfMemory(e) ? "oom" : "error";
                r.note = Memory.describe(e);
            }
            out.add(r);
            Json.MAPPER.writeValue(Path.of(args[0]).toFile(), out);
            Worker.cleanUp();
        }
        System.exit(0);
    }

    static void profile(ProfileResult r, double gemm, long seed) {
        MixerSpec m = MixerSpec.parse(r.mixer);
        LayerBenchmark lb = new LayerBenchmark(m, r.d, r.heads, r.batch, r.seqLen, seed);
        Nd4j.getRandom().setSeed(seed + 1);
        INDArray x = Nd4j.randn(DataType.FLOAT, r.batch, r.seqLen, r.d).muli(0.02);
        Map<String, INDArray> ph = Map.of("x", x);
        OpProfiler prof = new OpProfiler();
        Runnable run;
        SameDiff sd;
        double passes;
        if (r.mode.equals(Modes.TRAIN)) {
            sd = lb.trainGraph();
            List<String> names = lb.parameterVariables();
            run = () -> sd.calculateGradients(ph, names).values().forEach(INDArray::close);
            passes = 3;
        } else {
            LayerBenchmark.PrefillGraph g = lb.prefillGraph();
            sd = g.sd();
            run = () -> sd.output(ph, g.outputs()).values().forEach(INDArray::close);
            passes = 1;
        }
        for (int i = 0; i < 2; i++) {
            run.run();
            LayerBenchmark.clearSessions(sd);
            Worker.cleanUp();
        }
        sd.setListeners(prof);
        long s = System.nanoTime();
        run.run();
        r.wallMs = (System.nanoTime() - s) / 1e6;
        r.opsMs = prof.totalMs();
        r.outputBytes = prof.totalOutputBytes();
        r.projectionMs = prof.projectionMs();
        r.projectionFlops = passes * r.batch * (double) r.seqLen * FlopCount.projectionPerToken(m, r.d, r.heads);
        if (r.projectionMs > 0) {
            r.projectionGflops = r.projectionFlops / (r.projectionMs / 1000) / 1e9;
            if (gemm > 0) r.projectionGemmFraction = r.projectionGflops / gemm;
        }
        for (OpProfiler.Entry e : prof.topTypes(12)) r.byType.add(time(e, false));
        for (OpProfiler.Entry e : prof.topOps(12)) r.topOps.add(time(e, true));
        x.close();
    }

    private static ProfileResult.OpTime time(OpProfiler.Entry e, boolean withShapes) {
        ProfileResult.OpTime t = new ProfileResult.OpTime();
        t.name = e.name;
        t.type = e.type;
        t.count = e.count;
        t.ms = e.ms();
        t.outputMiB = e.outputBytes / 1048576.0;
        if (withShapes) t.shapes = e.shapes;
        return t;
    }
}
