package org.rat4j.data.niah;

import java.util.Random;

/**
 * Keys and values for needles. Word keys are adjective-noun pairs ("quiet-harbor"); the pairs are split between
 * train and test by {@code (adjective + noun) mod 5}: one fifth for test, the rest for train, so no test key was
 * seen in training. Values are 7-digit numbers or random UUIDs.
 */
final class NeedleKeys {
    private static final String[] ADJECTIVES = {
            "amber", "ancient", "arid", "bold", "brave", "breezy", "bright", "brisk", "calm", "candid", "careful", "cheerful",
            "chilly", "clever", "cloudy", "coastal", "cosmic", "crimson", "curious", "daring", "dazzling", "distant", "dusty",
            "eager", "early", "elegant", "emerald", "endless", "famous", "fancy", "fearless", "fierce", "flat", "fragrant",
            "frosty", "gentle", "giant", "gifted", "glassy", "golden", "graceful", "grand", "hidden", "hollow", "honest",
            "humble", "icy", "idle", "jolly", "keen", "kind", "lively", "lonely", "loud", "lucky", "lunar", "marble", "mellow",
            "mighty", "misty", "modest", "narrow", "nimble", "noble", "odd", "olive", "pale", "patient", "plain", "polite",
            "proud", "quick", "quiet", "rapid", "rare", "restless", "rocky", "rosy", "royal", "rustic", "sandy", "scarlet",
            "secret", "shady", "sharp", "shiny", "silent", "silver", "simple", "sleepy", "slow", "smooth", "snowy", "solar",
            "steady", "stormy", "sturdy", "sunny", "swift", "tall", "tame", "tender", "thirsty", "tidy", "tiny", "vast",
            "velvet", "vivid", "wandering", "warm", "wary", "wild", "windy", "wise", "witty", "wooden", "young", "zealous"};
    private static final String[] NOUNS = {
            "acorn", "anchor", "apple", "arrow", "badger", "banner", "basket", "beacon", "beetle", "bell", "bison", "blossom",
            "boulder", "bridge", "brook", "candle", "canyon", "castle", "cedar", "chapel", "cliff", "clock", "comet", "compass",
            "coral", "cottage", "crane", "creek", "crow", "crystal", "dagger", "desert", "dolphin", "dragon", "drum", "eagle",
            "ember", "falcon", "feather", "fern", "fiddle", "forest", "fountain", "fox", "garden", "glacier", "goose", "harbor",
            "hammer", "harp", "hawk", "hedge", "heron", "hill", "island", "jackal", "jewel", "kettle", "kite", "lagoon",
            "lantern", "lark", "lemon", "lighthouse", "lily", "lion", "lizard", "maple", "meadow", "mill", "mirror", "moth",
            "mountain", "needle", "nest", "oak", "orchard", "otter", "owl", "palace", "panther", "parrot", "pebble", "pepper",
            "pine", "planet", "pond", "quarry", "quill", "rabbit", "raven", "reef", "ribbon", "river", "robin", "saddle",
            "salmon", "shell", "shovel", "sparrow", "spider", "spruce", "squirrel", "statue", "stone", "swan", "thistle",
            "thunder", "tiger", "tower", "trumpet", "tulip", "valley", "violin", "walnut", "whale", "willow", "wolf"};

    private NeedleKeys() {
    }

    /** A word key of the split, e.g. {@code quiet-harbor}. */
    static String wordKey(Random rng, NiahSplit split) {
        while (true) {
            int a = rng.nextInt(ADJECTIVES.length);
            int n = rng.nextInt(NOUNS.length);
            boolean test = (a + n) % 5 == 0;
            if (test == (split == NiahSplit.TEST)) return ADJECTIVES[a] + "-" + NOUNS[n];
        }
    }

    /** Whether a word key belongs to the test part of the key vocabulary (tests check the splits are disjoint). */
    static boolean isTestKey(String key) {
        int dash = key.indexOf('-');
        int a = java.util.Arrays.asList(ADJECTIVES).indexOf(key.substring(0, dash));
        int n = java.util.Arrays.asList(NOUNS).indexOf(key.substring(dash + 1));
        if (a < 0 || n < 0) throw new IllegalArgumentException("not a word key: " + key);
        return (a + n) % 5 == 0;
    }

    static String number(Random rng) {
        return Integer.toString(1_000_000 + rng.nextInt(9_000_000));
    }

    /** A version-4 UUID from the seeded generator (java.util.UUID.randomUUID would not be reproducible). */
    static String uuid(Random rng) {
        long hi = (rng.nextLong() & ~0xF000L) | 0x4000L;
        long lo = (rng.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new java.util.UUID(hi, lo).toString();
    }
}
