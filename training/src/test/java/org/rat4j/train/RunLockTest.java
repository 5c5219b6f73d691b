package org.rat4j.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/** One run per run folder: another process or thread is refused with the holder's pid; a killed holder's lock is stale. */
class RunLockTest {
    /** The child process of {@link #anotherProcessIsRefusedWithItsPidAndItsLockIsStaleOnceItIsKilled}: locks, says so, waits. */
    public static final class Holder {
        public static void main(String[] args) throws Exception {
            RunLock lock = RunLock.acquire(Path.of(args[0]));
            System.out.println("locked");
            System.out.flush();
            System.in.read();          // until the test kills it
            lock.close();
        }
    }

    @Test
    void anotherProcessIsRefusedWithItsPidAndItsLockIsStaleOnceItIsKilled(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), Holder.class.getName(), run.toString()).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line;
            do {
                line = out.readLine();
            } while (line != null && !line.equals("locked"));
            assertEquals("locked", line, "the child did not lock");

            RunLock.BusyException e = assertThrows(RunLock.BusyException.class, () -> RunLock.acquire(run));
            assertEquals(child.pid(), e.holderPid());
            assertTrue(e.getMessage().contains("is in use by another training run (pid " + child.pid() + ","), e.getMessage());
            assertTrue(e.getMessage().contains("train.run_dir"), e.getMessage());
        } finally {
            child.destroyForcibly();                                  // SIGKILL: the lock is never released by the child
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        }
        assertTrue(Files.readString(run.resolve(RunLock.FILE)).contains("pid " + child.pid()), "the file stays, stale");
        try (RunLock lock = RunLock.acquire(run)) {
            assertNotNull(lock);
            assertTrue(Files.readString(run.resolve(RunLock.FILE)).startsWith("pid " + ProcessHandle.current().pid() + "\n"));
        }
    }

    /** Locks and unlocks {@code dir} on another thread; what that threw, or null. */
    private static Throwable lockFromAnotherThread(Path dir) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            try {
                RunLock.acquire(dir).close();
                return (Throwable) null;
            } catch (Exception ex) {
                return ex;
            }
        }).get(30, TimeUnit.SECONDS);
    }

    @Test
    void theHoldingThreadMayLockAgainAndOtherThreadsAreRefused(@TempDir Path dir) throws Exception {
        long self = ProcessHandle.current().pid();
        try (RunLock outer = RunLock.acquire(dir)) {
            try (RunLock inner = RunLock.acquire(dir)) {
                assertSame(outer, inner);
            }
            // still held after the inner release
            Throwable e = lockFromAnotherThread(dir);
            assertInstanceOf(RunLock.BusyException.class, e);
            assertEquals(self, ((RunLock.BusyException) e).holderPid());
            assertTrue(e.getMessage().contains("pid " + self + ", another thread of this process"), e.getMessage());
        }
        // released: another thread takes it now
        assertNull(lockFromAnotherThread(dir));
        assertEquals(List.of(RunLock.FILE), Files.list(dir).map(p -> p.getFileName().toString()).toList());
    }
}
