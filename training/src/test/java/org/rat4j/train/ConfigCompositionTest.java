package org.rat4j.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.rat4j.attention.AttentionConfig;
import org.rat4j.config.ConfigException;
import org.rat4j.model.ModelConfig;
import org.rat4j.rat.RatConfig;
import org.rat4j.train.config.ConfigComposer;
import org.rat4j.train.config.ExperimentConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** Defaults lists, overrides, unknown keys, and every shipped experiment config. */
class ConfigCompositionTest {
    static final Path CONFIGS = Path.of("../configs");

    static ExperimentConfig load(String name, String... overrides) {
        return ExperimentConfig.load(CONFIGS.resolve("experiment").resolve(name + ".yaml"), List.of(overrides));
    }

    @Test
    void tinyRatComposesModelOptimAndData() {
        ExperimentConfig c = load("tiny-rat");
        ModelConfig m = c.resolveModel(null);
        assertEquals(RatConfig.TYPE, m.mixer().type());
        assertEquals(16, ((RatConfig) m.mixer()).chunkSize());
        assertEquals(128, m.dModel());
        assertEquals(32000, m.vocabSize());
        assertEquals(0.9, c.optim().beta1());
        assertEquals(0.95, c.optim().beta2());
        assertEquals(1e-8, c.optim().eps());
        assertEquals(0.1, c.optim().weightDecay());
        assertEquals(1e-6, c.optim().minLr());
        assertEquals(1.0, c.optim().gradClip());
        assertEquals("builtin:train", c.data().train());
        assertEquals("builtin:valid", c.data().valid());
        assertFalse(c.generate().prompt().isEmpty());
    }

    @Test
    void dottedOverridesGroupSwapsAndDeletes() {
        ExperimentConfig c = load("tiny-rat", "model.backbone.seq_cell.chunk_size=64", "train.steps=7", "optim.lr=1e-3",
                "generate.prompt='Call me Ishmael.'");
        assertEquals(64, ((RatConfig) c.resolveModel(null).mixer()).chunkSize());
        assertEquals(7, c.train().steps());
        assertEquals(1e-3, c.optim().lr());
        assertEquals("Call me Ishmael.", c.generate().prompt());
        ExperimentConfig a = load("tiny-rat", "model=tiny-attention");
        assertEquals(AttentionConfig.TYPE, a.resolveModel(null).mixer().type());
        ExperimentConfig d = load("tiny-rat", "~generate.prompt");
        assertFalse(d.generate().enabled());
        ExperimentConfig o = load("tiny-rat", "optim=adamw");
        assertEquals(8e-4, o.optim().lr());
    }

    @Test
    void unknownKeysAreErrorsThatSuggestTheNearestKey() {
        ConfigException e = assertThrows(ConfigException.class, () -> load("tiny-rat", "model.backbone.seq_cell.chunk_sise=64"));
        assertTrue(e.getMessage().contains("unknown config key 'model.backbone.seq_cell.chunk_sise'"), e.getMessage());
        assertTrue(e.getMessage().contains("did you mean 'model.backbone.seq_cell.chunk_size'"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> load("tiny-rat", "train.setps=5"));
        assertTrue(e.getMessage().contains("did you mean 'train.steps'"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> load("tiny-rat", "trian.steps=5"));
        assertTrue(e.getMessage().contains("did you mean 'train'"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> load("tiny-rat", "model=tiny-ratt"));
        assertTrue(e.getMessage().contains("did you mean 'tiny-rat'"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> load("tiny-rat", "train.steps=many"));
        assertTrue(e.getMessage().contains("'train.steps' must be an integer"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> load("tiny-rat", "train.micro_batch=3"));
        assertTrue(e.getMessage().contains("must divide"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> load("tiny-rat", "steps"));
        assertTrue(e.getMessage().contains("key=value"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> ConfigComposer.locate("tiny-rta"));
        assertTrue(e.getMessage().contains("tiny-rat.yaml"), e.getMessage());
    }

    @Test
    void defaultsAreMergedInOrderWithTheFileOnTop(@TempDir Path root) throws Exception {
        Files.createDirectories(root.resolve("model"));
        Files.createDirectories(root.resolve("optim"));
        Files.createDirectories(root.resolve("experiment"));
        Files.writeString(root.resolve("optim/base.yaml"), "optim:\n  lr: 0.1\n  warmup: 0.2\n");
        Files.writeString(root.resolve("optim/child.yaml"), "defaults:\n  - optim: base\noptim:\n  lr: 0.2\n");
        Files.writeString(root.resolve("model/m.yaml"), "model: {vocab_size: 10, d_model: 8, n_layers: 1, num_heads: 2, seq_len: 8, "
                + "backbone: {seq_cell: {type: rat, chunk_size: 4, ngroups: 2}}}\n");
        Files.writeString(root.resolve("experiment/e.yaml"), "defaults:\n  - model: m\n  - optim: child\noptim:\n  warmup: 0.3\n"
                + "model:\n  n_layers: 3\n");
        Map<String, Object> tree = new ConfigComposer(root).compose(root.resolve("experiment/e.yaml"), List.of("optim.eps=1e-6"));
        ExperimentConfig c = ExperimentConfig.fromTree(tree);
        assertEquals(0.2, c.optim().lr());        // child over base
        assertEquals(0.3, c.optim().warmup());    // experiment over child
        assertEquals(1e-6, c.optim().eps());      // command line over all
        assertEquals(3, c.resolveModel(null).nLayers());
        assertEquals(8, c.resolveModel(null).dModel());
        assertFalse(tree.containsKey("defaults"));
        Files.writeString(root.resolve("experiment/cycle.yaml"), "defaults:\n  - experiment: cycle\n");
        assertThrows(ConfigException.class, () -> new ConfigComposer(root).compose(root.resolve("experiment/cycle.yaml"), List.of()));
    }

    @Test
    void everyShippedExperimentConfigIsValid() throws Exception {
        List<Path> files;
        try (Stream<Path> s = Files.list(CONFIGS.resolve("experiment"))) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        Set<String> names = new TreeSet<>();
        for (Path f : files) {
            ExperimentConfig c = ExperimentConfig.load(f, List.of());
            names.add(f.getFileName().toString().replace(".yaml", ""));
            if (c.train().initFrom() == null) assertNotNull(c.resolveModel(null), f.toString());
        }
        for (String n : List.of("rat-xl", "attention-xl", "rnn-xl", "rat-swa-interleave-xl", "attention-swa-interleave-xl",
                "ratplus-1b", "ratplus-3b", "ratplus-7b", "attention-1b", "tiny-rat", "tiny-attention", "tiny-rnn", "tiny-swa",
                "tiny-rat-swa", "tiny-attention-swa", "tiny-ratplus", "tiny-gated-attention")) {
            assertTrue(names.contains(n), "missing experiment config " + n);
        }
        // The §5.1/§5.2 sizes: parameter counts and global batches.
        assertEquals(1_298_810_880L, load("rat-xl").resolveModel(null).parameterCount());
        assertEquals(1_474_922_496L, load("ratplus-1b").resolveModel(null).parameterCount());
        assertEquals(7_647_531_008L, load("ratplus-7b").resolveModel(null).parameterCount());
        ExperimentConfig xl = load("rat-xl");
        assertEquals(512, xl.train().batchSize());
        assertEquals(52452, xl.train().steps());
        assertEquals(8e-4, xl.optim().lr());
        assertEquals(7e-4, load("ratplus-3b").optim().lr());
        assertEquals(6e-4, load("ratplus-7b").optim().lr());
        assertTrue(Trainer.isJoint(load("ratplus-1b").resolveModel(null)));
        assertTrue(Trainer.isJoint(load("attention-1b").resolveModel(null)));
    }
}
