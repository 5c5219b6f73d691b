package org.rat4j.rat;

import org.rat4j.block.BlockDims;
import org.rat4j.block.MixerConfig;
import org.rat4j.config.ConfigException;
import org.rat4j.config.ConfigReader;
import org.rat4j.ops.RotaryEmbedding;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.rat4j.config.ConfigReader.requireAtLeast;

/**
 * RAT's hyper-parameters (spec §1): chunk length L and query/key groups G (head h uses group h mod G).
 *
 * @param chunkSize L; every sequence length must be a multiple of it
 * @param ngroups   G; must divide the number of heads
 * @param ropeBase  InterRoPE base (10000)
 * @param rope      InterRoPE on; false (config {@code rope: none}) drops positional encoding (NoPE)
 */
public record RatConfig(int chunkSize, int ngroups, double ropeBase, boolean rope) implements MixerConfig {
    public static final String TYPE = "rat";

    public RatConfig {
        requireAtLeast(chunkSize, 1, "chunk_size");
        requireAtLeast(ngroups, 1, "ngroups");
        ConfigReader.requirePositive(ropeBase, "rope_base");
    }

    /** L and G with the default RoPE base. */
    public static RatConfig of(int chunkSize, int ngroups) {
        return new RatConfig(chunkSize, ngroups, RotaryEmbedding.DEFAULT_BASE, true);
    }

    /** Reads a {@code seq_cell} mapping of type {@code rat}. */
    public static RatConfig read(ConfigReader r) {
        return new RatConfig(r.getInt("chunk_size", 16, 1), r.getInt("ngroups", 2, 1),
                r.getDouble("rope_base", RotaryEmbedding.DEFAULT_BASE), RotaryEmbedding.read(r));
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public RatBlock block(BlockDims dims, int seqLen, int indexInCell) {
        return new RatBlock(dims, this);
    }

    @Override
    public int sequenceMultiple() {
        return chunkSize;
    }

    @Override
    public String describe() {
        return "RAT(L=" + chunkSize + (rope ? "" : ", NoPE") + ")";
    }

    @Override
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", TYPE);
        m.put("chunk_size", chunkSize);
        m.put("ngroups", ngroups);
        m.put("rope_base", ropeBase);
        RotaryEmbedding.write(m, rope);
        return m;
    }

    @Override
    public void validate(int numHeads, int layers) {
        if (numHeads % ngroups != 0) {
            throw new ConfigException("RAT 'ngroups' (" + ngroups + ") must divide 'model.num_heads' (" + numHeads + ")");
        }
    }
}
