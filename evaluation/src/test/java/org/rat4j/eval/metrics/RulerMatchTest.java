package org.rat4j.eval.metrics;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** RULER's NIAH scores and RAT+'s variant on hand-computed cases. */
class RulerMatchTest {
    @Test
    void matchAllIsTheShareOfReferencesFoundCaseInsensitively() {
        assertEquals(1.0, RulerMatch.all("The numbers are 123 and 456.", List.of("123", "456")));
        assertEquals(0.5, RulerMatch.all("only 123", List.of("123", "456")));
        assertEquals(1.0, RulerMatch.all("ABC-def", List.of("abc-DEF")));
        assertEquals(0.0, RulerMatch.all("", List.of("123")), "empty prediction");
    }

    @Test
    void matchPartIsOneWhenAnyReferenceIsFound() {
        assertEquals(1.0, RulerMatch.part("only 123", List.of("123", "456")));
        assertEquals(0.0, RulerMatch.part("none", List.of("123", "456")));
    }

    @Test
    void setMatchSplitsAtCommas() {
        // {"123", "456."} ∩ {"123", "456"} = {"123"}: the trailing full stop stops "456" from matching
        assertEquals(0.5, RulerMatch.setMatch("123, 456.", List.of("123", "456")));
        assertEquals(1.0, RulerMatch.setMatch(" 456 ,123", List.of("123", "456")));
        // the denominator counts the reference list, duplicates included
        assertEquals(0.5, RulerMatch.setMatch("7", List.of("7", "7")));
    }

    @Test
    void postprocessStripsAndTurnsControlCharactersIntoNewlines() {
        assertEquals("a\nb", RulerMatch.postprocess("  a\tb \n"));
    }
}
