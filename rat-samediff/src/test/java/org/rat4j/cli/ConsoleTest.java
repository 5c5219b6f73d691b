package org.rat4j.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ConsoleTest {
    @Test
    void lineFilterDropsOnlyLinesWithThePrefix() {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream filtered = new PrintStream(new Console.LineFilter(new PrintStream(sink, true, StandardCharsets.UTF_8), "Added op"),
                true, StandardCharsets.UTF_8);
        filtered.println("Added op matmul");
        filtered.println("kept: Added op is not at the start");
        filtered.print("Add");
        filtered.println("ed op split over two writes");
        filtered.println("naïve 日本");
        assertEquals("kept: Added op is not at the start\nnaïve 日本\n", sink.toString(StandardCharsets.UTF_8));
    }
}
