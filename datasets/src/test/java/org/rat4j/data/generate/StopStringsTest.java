package org.rat4j.data.generate;

import org.junit.jupiter.api.Test;
import org.rat4j.config.ConfigException;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Stop strings cut the text before their first occurrence, also when they span the pieces the text arrives in. */
class StopStringsTest {
    @Test
    void aStopStringSpanningPiecesCutsBeforeIt() {
        StopStrings s = new StopStrings(List.of("world"));
        assertEquals("Hello ", s.push("Hello wor"));       // "wor" may start "world": held back
        assertEquals("", s.push("ld and more"));
        assertTrue(s.stopped());
        assertEquals("", s.push("ignored"));
        assertEquals("", s.flush());

        StopStrings para = new StopStrings(List.of("\n\n"));
        assertEquals("a", para.push("a\n"));
        assertEquals("", para.push("\nb"));
        assertTrue(para.stopped());
    }

    @Test
    void aFalseStartIsReleased() {
        StopStrings s = new StopStrings(List.of("abc"));
        assertEquals("x", s.push("xab"));
        assertEquals("abd", s.push("d"));
        assertEquals("", s.push("a"));
        assertEquals("a", s.flush());                      // the end: what was held back was not a stop string
        assertFalse(s.stopped());
    }

    @Test
    void theEarliestOccurrenceOfAnyStopStringWins() {
        StopStrings s = new StopStrings(List.of("cd", "bc"));
        assertEquals("a", s.push("abcd"));
        StopStrings t = new StopStrings(List.of("xyz", "y"));
        assertEquals("", t.push("x"));                     // could start "xyz"
        assertEquals("x", t.push("y"));                    // "y" occurs at 1; "xyz" cannot start before it
        StopStrings none = new StopStrings(List.of());
        assertEquals("anything", none.push("anything"));
    }

    @Test
    void emptyStopStringsAreRefused() {
        assertThrows(ConfigException.class, () -> new StopStrings(List.of("ok", "")));
    }
}
