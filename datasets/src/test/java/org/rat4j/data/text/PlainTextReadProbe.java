package org.rat4j.data.text;

import org.rat4j.platform.ProcFiles;

import java.nio.file.Path;

/**
 * Run in a child JVM by {@link PlainTextMemoryTest}: reads every document of a plain-text file and prints one line
 * {@code documents chars longest rssGrowthBytes}, where the growth is the peak resident set (VmHWM) minus the resident
 * set before reading.
 */
public final class PlainTextReadProbe {
    private PlainTextReadProbe() {
    }

    public static void main(String[] args) {
        Path file = Path.of(args[0]);
        long before = ProcFiles.rssBytes();
        long documents = 0;
        long chars = 0;
        long longest = 0;
        try (DocumentReader r = DocumentReader.open(file, 0, "text")) {
            while (r.hasNext()) {
                String text = r.next().text();
                documents++;
                chars += text.length();
                longest = Math.max(longest, text.length());
            }
        }
        long peak = ProcFiles.bytes(Path.of("/proc/self/status"), "VmHWM:");
        System.out.println(documents + " " + chars + " " + longest + " " + (peak - before));
    }
}
