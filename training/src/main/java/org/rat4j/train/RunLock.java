package org.rat4j.train;

import org.rat4j.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One run per run folder. The run holds an exclusive lock of the operating system ({@link FileChannel#tryLock}, an
 * {@code fcntl} lock on Linux) on {@code RUN/run.lock} for as long as it reads or writes the folder, and writes its pid
 * into that file; a second run is refused with that pid. The OS drops the lock when the process ends in any way, a
 * {@code kill -9} included, so the file a crashed run leaves behind is stale and the next run simply takes it (the file
 * is never deleted: deleting it would let two runs lock two different files of the same name).
 *
 * <p>The OS lock belongs to the process, so within one JVM the holder is tracked here: the thread that holds the lock
 * may take it again (the launcher takes it before it looks at the checkpoints, the trainer again for the run), another
 * thread is refused like another process.
 */
public final class RunLock implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RunLock.class);
    public static final String FILE = "run.lock";
    private static final Pattern PID = Pattern.compile("pid (\\d+)");
    /** The locks this JVM holds, by the run folder's real path. */
    private static final Map<Path, RunLock> HELD = new HashMap<>();

    /** The run folder is locked by another run. */
    public static final class BusyException extends ConfigException {
        private static final long serialVersionUID = 1L;
        private final long holderPid;

        BusyException(Path runDir, long holderPid, String holder) {
            super("the run folder " + runDir + " is in use by another training run (" + holder + "); wait for it to end or stop "
                    + "it, or train in another folder with train.run_dir=DIR");
            this.holderPid = holderPid;
        }

        /** The pid of the process holding the folder, -1 if it has not written it yet. */
        public long holderPid() {
            return holderPid;
        }
    }

    private final Path key;
    private final Thread owner;
    private final FileChannel channel;
    private final FileLock lock;
    private int holds = 1;

    private RunLock(Path key, FileChannel channel, FileLock lock) {
        this.key = key;
        this.owner = Thread.currentThread();
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Locks a run folder (created if missing) for the calling thread.
     *
     * @throws BusyException another process, or another thread of this one, holds it
     */
    public static RunLock acquire(Path runDir) throws IOException {
        Files.createDirectories(runDir);
        Path key = runDir.toRealPath();
        synchronized (HELD) {
            RunLock held = HELD.get(key);
            if (held != null) {
                long self = ProcessHandle.current().pid();
                if (held.owner != Thread.currentThread()) throw new BusyException(runDir, self, "pid " + self + ", another thread of this process");
                held.holds++;
                return held;
            }
            FileChannel ch = FileChannel.open(key.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;     // locked through another channel of this JVM, outside this class
            } catch (IOException e) {
                ch.close();
                LOG.warn("cannot lock {} ({}): the file system has no locks, so a second run in this folder would not be refused",
                        key.resolve(FILE), e.getMessage());
                RunLock unlocked = new RunLock(key, null, null);
                HELD.put(key, unlocked);
                return unlocked;
            }
            if (lock == null) {
                String text = read(ch);
                ch.close();
                Matcher m = PID.matcher(text);
                long pid = m.find() ? Long.parseLong(m.group(1)) : -1;
                throw new BusyException(runDir, pid, pid < 0 ? "it has not written its pid yet" : text.strip().replace("\n", ", "));
            }
            try {
                byte[] me = ("pid " + ProcessHandle.current().pid() + "\nstarted " + Instant.now().truncatedTo(ChronoUnit.SECONDS) + "\n")
                        .getBytes(StandardCharsets.UTF_8);
                ch.truncate(0);
                ch.write(ByteBuffer.wrap(me), 0);
                ch.force(false);
            } catch (IOException e) {
                lock.release();
                ch.close();
                throw e;
            }
            RunLock r = new RunLock(key, ch, lock);
            HELD.put(key, r);
            return r;
        }
    }

    private static String read(FileChannel ch) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(256);
        ch.read(b, 0);
        return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
    }

    /** Releases one hold; the last one releases the OS lock. */
    @Override
    public void close() throws IOException {
        synchronized (HELD) {
            if (--holds > 0) return;
            HELD.remove(key);
            if (channel == null) return;
            try {
                lock.release();
            } finally {
                channel.close();
            }
        }
    }
}
