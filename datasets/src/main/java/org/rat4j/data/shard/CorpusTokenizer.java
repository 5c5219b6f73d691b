package org.rat4j.data.shard;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.rat4j.io.Checksums;
import org.rat4j.config.ConfigException;
import org.rat4j.data.IntList;
import org.rat4j.data.text.Document;
import org.rat4j.data.text.InputFormat;
import org.rat4j.data.text.TextSplit;
import org.rat4j.data.tokenizer.Tokenizer;
import org.rat4j.io.AtomicFiles;
import org.rat4j.model.MemoryBudget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.StandardOpenOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * Tokenizes documents into a directory of token shards (docs/datasets.md, "Token shards"): each document is
 * encoded without BOS and followed by one EOS (spec §2.8), the stream is cut into shard files at document
 * boundaries, and {@code index.json} is written last.
 * <p>Threads: the calling thread reads and decodes the inputs and writes the shards; {@code threads} workers
 * encode batches of documents. Results are taken in input order, so the shards are the same for any thread count.
 * <p>Resuming: after each shard it writes {@code progress.json} (atomically, like the shard) with the position of
 * the next document. A run that was killed continues from there when started again with the same inputs and
 * settings; a finished directory is reported as up to date.
 */
public final class CorpusTokenizer {
    private static final Logger LOG = LoggerFactory.getLogger(CorpusTokenizer.class);
    private static final Pattern SHARD_NAME = Pattern.compile("shard-\\d{5,}\\.bin");
    /** Largest shard the reader can map: 2^30 tokens stays below the 2 GiB limit of one mapping for int32 too. */
    static final long MAX_SHARD_TOKENS = (1L << 29) - 1;
    /** A batch handed to an encoder thread: at most this many documents, closed once it holds this many characters. */
    static final int BATCH_DOCUMENTS = 256;
    static final int BATCH_CHARS = 1 << 19;
    /** Batches queued per encoder thread, so that workers never wait for the reader. */
    static final int BATCHES_PER_THREAD = 3;
    /**
     * Java heap per character of a batch in flight: the string (2 bytes in the worst case), its ids and their copy
     * with EOS (at most one token per character in practice, 4 bytes each).
     */
    static final long BYTES_PER_CHAR_IN_FLIGHT = 10;

    /**
     * What to tokenize and how.
     *
     * @param inputs      resolved input files ({@link org.rat4j.data.text.InputResolver})
     * @param outDir      the shard directory
     * @param tokenizer   the tokenizer
     * @param textField   JSONL field holding the text
     * @param split       how plain-text files are cut into documents
     * @param threads     encoder threads (at least 1)
     * @param shardTokens a shard is closed at the first document end at or after this many tokens
     * @param force       replace shards of other inputs or settings in {@code outDir} instead of refusing
     * @param progressBar show a progress bar on standard error
     */
    public record Options(List<Path> inputs, Path outDir, Tokenizer tokenizer, String textField, TextSplit split, int threads,
                          long shardTokens, boolean force, boolean progressBar) {
        /** Plain-text files split as {@link TextSplit#DEFAULT}. */
        public Options(List<Path> inputs, Path outDir, Tokenizer tokenizer, String textField, int threads, long shardTokens,
                       boolean force, boolean progressBar) {
            this(inputs, outDir, tokenizer, textField, TextSplit.DEFAULT, threads, shardTokens, force, progressBar);
        }

        public Options {
            inputs = List.copyOf(inputs);
            if (split == null) throw new ConfigException("the text split must be given (TextSplit.DEFAULT: whole files)");
            if (threads < 1) throw new ConfigException("--threads must be at least 1, got " + threads);
            if (shardTokens < 1 || shardTokens > MAX_SHARD_TOKENS) {
                throw new ConfigException("--shard-tokens must be in [1, " + MAX_SHARD_TOKENS + "], got " + shardTokens);
            }
            if (textField == null || textField.isBlank()) throw new ConfigException("--text-field must name a JSONL field");
        }
    }

    /**
     * What a run did.
     *
     * @param tokens    tokens in the directory (EOS included)
     * @param documents documents in the directory
     * @param shards    shard files
     * @param newTokens tokens encoded by this run (0 when it was already up to date)
     * @param seconds   wall time of this run
     * @param upToDate  the directory already held these inputs; nothing was done
     * @param resumed   this run continued an unfinished one
     * @param index     the written index
     */
    public record Result(long tokens, long documents, int shards, long newTokens, double seconds, boolean upToDate, boolean resumed,
                         ShardIndex index) {
        /** Tokens encoded per second of wall time by this run. */
        public double tokensPerSecond() {
            return seconds > 0 ? newTokens / seconds : 0;
        }
    }

    private final Options opt;
    private final TokenDtype dtype;
    private final String fingerprint;

    // Writer state, touched only by the calling thread.
    private final IntList shardTokens = new IntList(1 << 16);
    private final IntList shardDocOffsets = new IntList(256);
    private final List<ShardIndex.ShardInfo> shards = new ArrayList<>();
    private long[] docsPerInput;
    private long[] tokensPerInput;
    private long newTokens;
    /** Tests only: stop (as if killed) after this many shards of this run; negative means never. */
    int stopAfterShards = -1;
    private int shardsThisRun;

    /** Thrown by the test hook {@link #stopAfterShards} in place of a kill. */
    static final class SimulatedCrash extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SimulatedCrash() {
            super("simulated crash after a shard");
        }
    }

    /**
     * The output folder holds shards, or an unfinished tokenization, of other inputs, tokenizer or settings. A caller
     * that owns the folder as a cache (training's {@code data.shard_dir}) catches it to tokenize again with {@code force}.
     */
    public static final class OtherInputsException extends ConfigException {
        private static final long serialVersionUID = 1L;

        OtherInputsException(String message) {
            super(message);
        }
    }

    public CorpusTokenizer(Options options) {
        this.opt = options;
        this.dtype = TokenDtype.forVocab(options.tokenizer().vocabSize());
        this.fingerprint = fingerprint(options, dtype);
    }

    public Result run() throws IOException {
        MemoryBudget.requireHeap(String.format(java.util.Locale.ROOT, "tokenizing with %d thread(s), shards of %,d tokens and "
                + "documents of up to %,d characters", opt.threads(), opt.shardTokens(), opt.split().maxChars()), heapBytes(opt),
                "lower --threads, --shard-tokens or --doc-chars, or give the JVM more heap");
        Path dir = opt.outDir();
        try {
            Files.createDirectories(dir);
        } catch (java.nio.file.FileSystemException e) {
            String why = e instanceof java.nio.file.AccessDeniedException ? "permission denied" : e.getReason();
            throw new ConfigException("cannot create the shard directory " + dir + (why == null ? "" : " (" + why + ")")
                    + "; choose another --out");
        }
        // One writer per directory: a second run would interleave shards and progress with this one.
        try (FileChannel lockFile = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = tryLock(lockFile, dir)) {
            assert lock.isValid();
            removeTemporaryFiles(dir);
            return runLocked(dir);
        }
    }

    private static FileLock tryLock(FileChannel ch, Path dir) throws IOException {
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) throw new ConfigException("another rat4j tokenize is writing to " + dir + "; wait for it or choose another --out");
        return lock;
    }

    /** Temporary files a killed run left behind (AtomicFiles names them {@code .NAME.*.tmp}). */
    private static void removeTemporaryFiles(Path dir) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, ".*.tmp")) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (n.startsWith(".shard-") || n.startsWith("." + ShardIndex.FILE + ".") || n.startsWith("." + TokenizeProgress.FILE + ".")) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /**
     * The Java heap a run holds at most, whatever the size of the inputs: the token buffer of one shard (its tokens and
     * one more document; while it grows, the old and the new array: 1.5 times its final size) and the batches in flight, each at most
     * {@link #BATCH_CHARS} characters plus one document (a plain-text document is at most {@code --doc-chars}; a
     * JSONL line is not bounded and not counted).
     */
    static long heapBytes(Options o) {
        long shard = (long) (Math.min(o.shardTokens() + o.split().maxChars(), MAX_SHARD_TOKENS) * Integer.BYTES * 1.5);
        long inFlight = (long) o.threads() * BATCHES_PER_THREAD * ((long) BATCH_CHARS + o.split().maxChars()) * BYTES_PER_CHAR_IN_FLIGHT;
        return shard + inFlight;
    }

    private Result runLocked(Path dir) throws IOException {
        long t0 = System.nanoTime();
        shards.clear(); // an instance may run again, e.g. to resume after a failure
        shardTokens.clear();
        shardDocOffsets.clear();
        newTokens = 0;
        shardsThisRun = 0;
        Path indexFile = dir.resolve(ShardIndex.FILE);
        Path progressFile = dir.resolve(TokenizeProgress.FILE);
        if (opt.force()) removeShardFiles(dir, 0);
        docsPerInput = new long[opt.inputs().size()];
        tokensPerInput = new long[opt.inputs().size()];

        if (Files.exists(indexFile)) {
            ShardIndex existing = TokenShards.readIndex(dir);
            if (existing.fingerprint().equals(fingerprint)) {
                LOG.info("{} is up to date: {} tokens in {} shards", dir, existing.totalTokens(), existing.shards().size());
                return new Result(existing.totalTokens(), existing.documents(), existing.shards().size(), 0, seconds(t0), true, false, existing);
            }
            throw new OtherInputsException(dir + " already holds token shards of other inputs, tokenizer or settings (see its "
                    + ShardIndex.FILE + "); pass --force to replace them, or choose another --out");
        }
        int startFile = 0;
        long startDoc = 0;
        boolean resumed = false;
        if (Files.exists(progressFile)) {
            TokenizeProgress p = readProgress(progressFile);
            if (!fingerprint.equals(p.fingerprint())) {
                throw new OtherInputsException(dir + " holds an unfinished tokenization of other inputs, tokenizer or settings (see "
                        + TokenizeProgress.FILE + "); pass --force to start over, or choose another --out");
            }
            for (ShardIndex.ShardInfo s : p.shards()) TokenShards.checkShardFile(dir, s, dtype, true);
            shards.addAll(p.shards());
            for (int i = 0; i < p.inputs().size() && i < docsPerInput.length; i++) {
                docsPerInput[i] = p.inputs().get(i).documents();
                tokensPerInput[i] = p.inputs().get(i).tokens();
            }
            startFile = p.nextFile();
            startDoc = p.nextDocument();
            resumed = true;
            LOG.info("resuming {}: {} shards done, continuing at input {} document {}", dir, shards.size(), startFile, startDoc);
        }

        long totalBytes = 0;
        for (Path f : opt.inputs()) totalBytes += DocumentStream.size(f);
        ExecutorService pool = Executors.newFixedThreadPool(opt.threads(), daemonThreads());
        ProgressBar bar = opt.progressBar() ? progressBar(totalBytes) : null;
        try (DocumentStream docs = new DocumentStream(opt.inputs(), opt.textField(), opt.split(), startFile, startDoc)) {
            // Keep a few batches per thread queued so workers never wait for the reader.
            int maxInFlight = opt.threads() * BATCHES_PER_THREAD;
            Deque<Future<int[][]>> inflight = new ArrayDeque<>();
            Deque<List<Document>> batches = new ArrayDeque<>();
            while (true) {
                while (inflight.size() < maxInFlight) {
                    List<Document> batch = docs.nextBatch(BATCH_DOCUMENTS, BATCH_CHARS);
                    if (batch.isEmpty()) break;
                    batches.add(batch);
                    inflight.add(pool.submit(() -> encode(batch)));
                }
                if (inflight.isEmpty()) break;
                int[][] encoded = take(inflight.poll());
                List<Document> batch = batches.poll();
                for (int i = 0; i < encoded.length; i++) append(batch.get(i), encoded[i]);
                if (bar != null) bar.stepTo(docs.bytesRead());
            }
            if (docs.skippedEmpty() > 0) LOG.warn("skipped {} JSONL lines with an empty text field", docs.skippedEmpty());
        } finally {
            pool.shutdownNow();
            if (bar != null) bar.close();
        }
        if (!shardTokens.isEmpty()) flushShard(opt.inputs().size(), 0);
        if (shards.isEmpty()) throw new ConfigException("the inputs hold no documents; nothing to tokenize");
        ShardIndex index = writeIndex(indexFile);
        Files.deleteIfExists(progressFile);
        removeShardFiles(dir, shards.size()); // leftovers of an earlier, longer run
        double secs = seconds(t0);
        return new Result(index.totalTokens(), index.documents(), shards.size(), newTokens, secs, false, resumed, index);
    }

    private int[][] encode(List<Document> batch) {
        Tokenizer tok = opt.tokenizer();
        int eos = tok.eosId();
        int[][] out = new int[batch.size()][];
        for (int i = 0; i < out.length; i++) {
            int[] ids = tok.encode(batch.get(i).text(), false);
            int[] withEos = java.util.Arrays.copyOf(ids, ids.length + 1);
            withEos[ids.length] = eos; // spec §2.8: no BOS, one EOS after every document
            out[i] = withEos;
        }
        return out;
    }

    private void append(Document d, int[] tokens) throws IOException {
        if (tokens.length > MAX_SHARD_TOKENS) {
            throw new ConfigException(d.file() + " line " + d.line() + ": one document of " + tokens.length
                    + " tokens is larger than a shard can be (" + MAX_SHARD_TOKENS + "); split it into smaller documents");
        }
        if (shardTokens.size() + (long) tokens.length > MAX_SHARD_TOKENS) flushShard(d.fileIndex(), d.index());
        shardDocOffsets.add(shardTokens.size());
        shardTokens.addAll(tokens);
        docsPerInput[d.fileIndex()]++;
        tokensPerInput[d.fileIndex()] += tokens.length;
        newTokens += tokens.length;
        if (shardTokens.size() >= opt.shardTokens()) flushShard(d.fileIndex(), d.index() + 1);
    }

    /** Writes the buffered documents as the next shard, then records that the next document is (nextFile, nextDoc). */
    private void flushShard(int nextFile, long nextDoc) throws IOException {
        String name = String.format("shard-%05d.bin", shards.size());
        Path file = opt.outDir().resolve(name);
        MessageDigest md = Checksums.newDigest();
        int n = shardTokens.size();
        int[] data = shardTokens.rawArray();
        AtomicFiles.write(file, out -> writeTokens(out, data, n, md));
        long[] offsets = new long[shardDocOffsets.size()];
        for (int i = 0; i < offsets.length; i++) offsets[i] = shardDocOffsets.get(i);
        shards.add(new ShardIndex.ShardInfo(name, n, HexFormat.of().formatHex(md.digest()), offsets));
        shardTokens.clear();
        shardDocOffsets.clear();
        TokenizeProgress progress = new TokenizeProgress(fingerprint, List.copyOf(shards), nextFile, nextDoc, inputInfos());
        org.rat4j.io.JsonFiles.write(opt.outDir().resolve(TokenizeProgress.FILE), ShardIndex.mapper(), progress);
        LOG.debug("wrote {} ({} tokens)", name, n);
        if (stopAfterShards >= 0 && ++shardsThisRun >= stopAfterShards) throw new SimulatedCrash();
    }

    private void writeTokens(OutputStream out, int[] data, int n, MessageDigest md) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            if (buf.remaining() < 4) {
                drain(buf, out, md);
            }
            if (dtype == TokenDtype.UINT16) buf.putShort((short) data[i]);
            else buf.putInt(data[i]);
        }
        drain(buf, out, md);
    }

    private static void drain(ByteBuffer buf, OutputStream out, MessageDigest md) throws IOException {
        buf.flip();
        md.update(buf.array(), 0, buf.limit());
        out.write(buf.array(), 0, buf.limit());
        buf.clear();
    }

    private ShardIndex writeIndex(Path indexFile) throws IOException {
        long tokens = 0;
        long documents = 0;
        for (ShardIndex.ShardInfo s : shards) {
            tokens += s.tokens();
            documents += s.docOffsets().length;
        }
        Tokenizer tok = opt.tokenizer();
        ShardIndex index = new ShardIndex(ShardIndex.FORMAT, ShardIndex.VERSION,
                new ShardIndex.TokenizerInfo(tok.id(), tok.hash(), tok.vocabSize(), tok.bosId(), tok.eosId()),
                dtype.jsonName(), tokens, documents, List.copyOf(shards), inputInfos(), opt.textField(), fingerprint,
                Instant.now().toString());
        org.rat4j.io.JsonFiles.write(indexFile, ShardIndex.mapper(), index);
        return index;
    }

    private List<ShardIndex.InputInfo> inputInfos() {
        List<ShardIndex.InputInfo> list = new ArrayList<>();
        for (int i = 0; i < opt.inputs().size(); i++) {
            Path f = opt.inputs().get(i);
            list.add(new ShardIndex.InputInfo(f.toString(), DocumentStream.size(f), docsPerInput[i], tokensPerInput[i]));
        }
        return list;
    }

    private static TokenizeProgress readProgress(Path file) {
        try {
            return ShardIndex.mapper().readValue(file.toFile(), TokenizeProgress.class);
        } catch (IOException e) {
            throw new ConfigException(file + " cannot be read (" + e.getMessage() + "); delete it or pass --force to start over");
        }
    }

    /** Deletes shard files numbered {@code from} and up, and with {@code from == 0} also the index and progress files. */
    private static void removeShardFiles(Path dir, int from) throws IOException {
        if (!Files.isDirectory(dir)) return;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (SHARD_NAME.matcher(n).matches() && Integer.parseInt(n.substring(6, n.length() - 4)) >= from) Files.delete(p);
            }
        }
        if (from == 0) {
            Files.deleteIfExists(dir.resolve(ShardIndex.FILE));
            Files.deleteIfExists(dir.resolve(TokenizeProgress.FILE));
        }
    }

    /**
     * SHA-256 over everything that decides the shards' content: format version, tokenizer hash, dtype, text field,
     * shard size, the text split (when an input is plain text), and each input's path, size and modification time.
     */
    static String fingerprint(Options o, TokenDtype dtype) {
        MessageDigest md = Checksums.newDigest();
        StringBuilder sb = new StringBuilder();
        sb.append(ShardIndex.FORMAT).append(' ').append(ShardIndex.VERSION).append('\n')
                .append(o.tokenizer().id()).append(' ').append(o.tokenizer().hash()).append('\n')
                .append(dtype.jsonName()).append(' ').append(o.textField()).append(' ').append(o.shardTokens()).append('\n');
        // The split decides only what plain-text files give, so a JSONL corpus does not depend on it.
        if (o.inputs().stream().anyMatch(f -> InputFormat.of(f) == InputFormat.TEXT)) sb.append(o.split().describe()).append('\n');
        try {
            for (Path f : o.inputs()) {
                sb.append(f.toAbsolutePath()).append('\t').append(Files.size(f)).append('\t')
                        .append(Files.getLastModifiedTime(f).toMillis()).append('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not read an input file's size", e);
        }
        return HexFormat.of().formatHex(md.digest(sb.toString().getBytes(StandardCharsets.UTF_8)));
    }

    private static ProgressBar progressBar(long totalBytes) {
        return new ProgressBarBuilder().setTaskName("tokenize").setInitialMax(Math.max(1, totalBytes))
                .setUnit(" MB", 1 << 20).showSpeed(new java.text.DecimalFormat("0.0")).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(500).setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
    }

    private static int[][] take(Future<int[][]> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) throw r;
            if (c instanceof Error err) throw err;
            throw new IOException(c);
        }
    }

    private static java.util.concurrent.ThreadFactory daemonThreads() {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, "tokenize-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }


    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
