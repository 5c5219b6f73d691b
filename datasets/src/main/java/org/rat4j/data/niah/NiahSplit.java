package org.rat4j.data.niah;

/**
 * Train or test samples. The two never share a haystack document (train uses the corpus's train split, test its
 * validation split), a word key (each split draws from its own part of the key vocabulary), or a random stream.
 */
public enum NiahSplit {
    TRAIN, TEST;

    public String jsonName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static NiahSplit parse(String s) {
        for (NiahSplit v : values()) if (v.jsonName().equals(s.trim().toLowerCase(java.util.Locale.ROOT))) return v;
        throw new org.rat4j.config.ConfigException("unknown split '" + s + "'; use train or test");
    }
}
