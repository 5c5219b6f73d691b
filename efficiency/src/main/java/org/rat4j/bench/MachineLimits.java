package org.rat4j.bench;

import org.rat4j.platform.Nd4jBackends;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.rat4j.platform.CpuFlags;
import org.rat4j.platform.RuntimeReport;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import java.util.concurrent.TimeUnit;

/**
 * What this machine and ND4J build can do, measured in the same process as the benchmarks: the float32 GEMM rate of
 * {@code Nd4j.gemm} on preallocated 2048² matrices (the BLAS call), the rate of the matmul op that SameDiff graphs run
 * at the shape of a layer's input projection, and the memory bandwidth of a large array copy and add. Also records
 * which ND4J build, BLAS kernel and thread settings ran.
 */
@JsonPropertyOrder({"gemmGflops", "gemmSize", "gemmSpreadPct", "matmulOpGflops", "matmulOpShape", "copyGBps", "addGBps",
        "bandwidthGBps", "cpu", "cpuFlags", "cores", "memTotalBytes", "rat4j", "nd4jBuild", "nd4jBinaryLevel", "openblasCore", "blasThreads",
        "ompThreads", "env", "java", "jvmMaxHeap", "load"})
public class MachineLimits {
    /** The environment variables that change ND4J's (and the peer's) speed. */
    public static final List<String> ENV_KEYS = List.of("OMP_WAIT_POLICY", "OMP_NUM_THREADS", "OPENBLAS_CORETYPE",
            "OPENBLAS_NUM_THREADS", "OPENBLAS_THREAD_TIMEOUT", "MALLOC_MMAP_MAX_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_ARENA_MAX");

    public double gemmGflops;
    /** n of the n×n GEMM. */
    public int gemmSize;
    public double gemmSpreadPct;
    public double matmulOpGflops;
    public String matmulOpShape;
    public double copyGBps;
    public double addGBps;
    /** The bandwidth used for the gen fractions: the copy rate (bytes read + written per second). */
    public double bandwidthGBps;
    public String cpu;
    /** The flags that decide the ND4J build ({@link CpuFlags#relevant()}). */
    public String cpuFlags;
    /** The rat4j version that ran. */
    public String rat4j;
    public int cores;
    public long memTotalBytes;
    public String nd4jBuild;
    public String nd4jBinaryLevel;
    public String openblasCore;
    public Integer blasThreads;
    public String ompThreads;
    public Map<String, String> env = new LinkedHashMap<>();
    public String java;
    public long jvmMaxHeap;
    public String load;

    /** Measures everything; about 10 seconds. {@code probeBlasCore} also starts a short child JVM to ask OpenBLAS its kernel. */
    public static MachineLimits measure(boolean probeBlasCore, int matmulRows, int dModel) {
        return measure(probeBlasCore, matmulRows, dModel, false);
    }

    /** {@code small}: a 1024² GEMM and 64 MiB arrays, for smoke runs and tests. */
    public static MachineLimits measure(boolean probeBlasCore, int matmulRows, int dModel, boolean small) {
        MachineLimits m = describe();
        double[] gemm = small ? gemmRate(1024, 2, 5) : gemmRate(2048, 3, 9);
        m.gemmGflops = gemm[0];
        m.gemmSize = small ? 1024 : 2048;
        m.gemmSpreadPct = gemm[1];
        m.matmulOpShape = "[" + matmulRows + "," + dModel + "]x[" + dModel + "," + 3 * dModel + "]";
        m.matmulOpGflops = matmulOpRate(matmulRows, dModel, 3 * dModel, 2, 5);
        double[] bw = small ? bandwidth(16L << 20, 1, 5) : bandwidth(64L << 20, 2, 7);
        m.copyGBps = bw[0];
        m.addGBps = bw[1];
        m.bandwidthGBps = bw[0];
        if (probeBlasCore) m.openblasCore = probeOpenBlasCore();
        m.load = loadAverage();
        return m;
    }

    /** Build, kernel, thread and environment facts, without timing anything. */
    public static MachineLimits describe() {
        MachineLimits m = new MachineLimits();
        Nd4j.create(DataType.FLOAT, 1);  // initialise the backend
        m.cpu = cpuModel();
        m.cores = Runtime.getRuntime().availableProcessors();
        m.memTotalBytes = Memory.totalBytes();
        m.rat4j = RuntimeReport.version();
        m.cpuFlags = CpuFlags.current().relevant();
        m.nd4jBuild = "nd4j-native 1.0.0-M2.1 " + RuntimeReport.loadedLibraryDirectory();
        int[] levels = RuntimeReport.binaryAndOptimalLevel();
        m.nd4jBinaryLevel = levels == null ? "unknown"
                : "binary " + levels[0] + ", optimal " + levels[1] + " (1 generic, 2 AVX2, 3 AVX-512)";
        m.blasThreads = Nd4j.factory().blas().getMaxThreads();
        Properties info = Nd4j.getExecutioner().getEnvironmentInformation();
        Object omp = info.get("omp.threads");
        m.ompThreads = omp == null ? null : omp.toString();
        for (String k : ENV_KEYS) m.env.put(k, System.getenv().getOrDefault(k, "(unset)"));
        m.java = System.getProperty("java.vm.name") + " " + System.getProperty("java.version");
        m.jvmMaxHeap = Runtime.getRuntime().maxMemory();
        m.load = loadAverage();
        return m;
    }

    /** {median GFLOP/s, spread %} of {@code Nd4j.gemm} on n×n float32, preallocated output. */
    public static double[] gemmRate(int n, int warmup, int runs) {
        INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray c = Nd4j.create(DataType.FLOAT, n, n);
        double[] t = seconds(warmup, runs, () -> Nd4j.gemm(a, b, c, false, false, 1.0, 0.0));
        a.close();
        b.close();
        c.close();
        Stats st = Stats.of(t);
        return new double[]{2.0 * n * n * n / st.median() / 1e9, st.spreadPct()};
    }

    /** GFLOP/s of the matmul op SameDiff runs ({@code x·Wᵀ}, preallocated output) at a projection's shape. */
    public static double matmulOpRate(int rows, int in, int out, int warmup, int runs) {
        INDArray x = Nd4j.rand(DataType.FLOAT, rows, in);
        INDArray w = Nd4j.rand(DataType.FLOAT, out, in);
        INDArray y = Nd4j.create(DataType.FLOAT, rows, out);
        double[] t = seconds(warmup, runs, () -> Nd4j.matmul(x, w, y, false, true, false));
        x.close();
        w.close();
        y.close();
        return 2.0 * rows * in * out / Stats.of(t).median() / 1e9;
    }

    /** Wall seconds of each of {@code runs} timed calls of {@code op}, after {@code warmup} untimed ones. */
    private static double[] seconds(int warmup, int runs, Runnable op) {
        double[] t = new double[runs];
        for (int i = 0; i < warmup + runs; i++) {
            long s = System.nanoTime();
            op.run();
            long e = System.nanoTime();
            if (i >= warmup) t[i - warmup] = (e - s) / 1e9;
        }
        return t;
    }

    /** {copy GB/s, add GB/s}: bytes read plus written per second, on arrays of {@code elements} floats. */
    public static double[] bandwidth(long elements, int warmup, int runs) {
        INDArray a = Nd4j.rand(DataType.FLOAT, elements);
        INDArray b = Nd4j.rand(DataType.FLOAT, elements);
        INDArray c = Nd4j.create(DataType.FLOAT, elements);
        double[] tc = new double[runs];
        double[] ta = new double[runs];
        for (int i = 0; i < warmup + runs; i++) {
            long s = System.nanoTime();
            c.assign(a);
            long e = System.nanoTime();
            a.add(b, c);
            long f = System.nanoTime();
            if (i >= warmup) {
                tc[i - warmup] = (e - s) / 1e9;
                ta[i - warmup] = (f - e) / 1e9;
            }
        }
        a.close();
        b.close();
        c.close();
        double bytes = 4.0 * elements;
        return new double[]{2 * bytes / Stats.of(tc).median() / 1e9, 3 * bytes / Stats.of(ta).median() / 1e9};
    }

    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) return line.substring(line.indexOf(':') + 1).trim();
            }
        } catch (IOException | RuntimeException ignored) {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    public static String loadAverage() {
        try {
            String[] p = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return p[0] + " " + p[1] + " " + p[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    public static double load1() {
        try {
            return Double.parseDouble(loadAverage().split(" ")[0]);
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /**
     * OpenBLAS prints its kernel ("Core: Haswell") when OPENBLAS_VERBOSE=2; the JavaCPP binding has no
     * openblas_get_corename, so a short child JVM with the same environment is asked.
     */
    static String probeOpenBlasCore() {
        try {
            String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder pb = new ProcessBuilder(javaBin, "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                    BlasCoreProbe.class.getName());
            pb.environment().put("OPENBLAS_VERBOSE", "2");
            pb.redirectErrorStream(true);
            Process p = pb.start();
            String core = null;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    String s = line.trim();
                    if (s.startsWith("Core:")) core = s.substring(5).trim();
                }
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) p.destroyForcibly();
            return core == null ? "unknown (OpenBLAS printed no 'Core:' line)" : core;
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    /** Child-JVM entry: {@code outJson matmulRows dModel probeBlasCore [small]}. */
    public static void main(String[] args) throws IOException {
        Nd4jBackends.select();  // the build this CPU runs, before ND4J loads (as the parent benchmark did)
        MachineLimits m = measure(Boolean.parseBoolean(args[3]), Integer.parseInt(args[1]), Integer.parseInt(args[2]),
                args.length > 4 && Boolean.parseBoolean(args[4]));
        Json.MAPPER.writeValue(Path.of(args[0]).toFile(), m);
        System.exit(0);
    }
}
