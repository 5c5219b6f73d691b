package org.rat4j.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.*;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes files so that a reader never sees a half-written one: the content goes to a temporary file in the same
 * directory, is forced to disk, and is then renamed over the target in one atomic step. A crash or a full disk
 * leaves the previous file (or none) in place, never a truncated one.
 */
public final class AtomicFiles {
    /** Writes the content of a file. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException;
    }

    private AtomicFiles() {
    }

    public static void write(Path target, Writer writer) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        try {
            // createTempFile makes the file owner-only; a saved model or shard should be readable like any other file.
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system: keep the default permissions
        }
        try {
            try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writer.write(out);
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /**
     * Refuses, as one line, a directory path that cannot be created because a file is in the way: the path itself or
     * one of its existing ancestors is not a directory ({@code Files.createDirectories} would throw a
     * {@code FileAlreadyExistsException} or "Not a directory" deep in a write).
     *
     * @param what how the message names the path, e.g. {@code "--out"} or {@code "the model directory"}
     */
    public static Path requireDirectoryPath(Path dir, String what) {
        for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent()) {
            if (!Files.exists(p)) continue;
            if (Files.isDirectory(p)) return dir;
            throw new org.rat4j.config.ConfigException(what + " " + dir + (p.equals(dir.toAbsolutePath()) ? " is a file, not a directory"
                    : ": " + p + " is a file, not a directory") + "; give another path");
        }
        return dir;
    }

    public static void writeString(Path target, String text) throws IOException {
        write(target, out -> out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
}
