package org.rat4j.dl4j;

/**
 * DL4J parameter keys for state-dict names. A ComputationGraph splits "layer_param" keys at the <em>last</em>
 * underscore, so parameter keys may not contain '_' (nor '.'); they are camel-cased instead:
 * {@code in_proj.weight} → {@code inProjWeight}, {@code backbone.layers.0.seq_layer.gate_bias} →
 * {@code backboneLayers0SeqLayerGateBias}.
 */
public final class ParamNames {
    private ParamNames() {
    }

    public static String toDl4j(String stateDictName) {
        StringBuilder sb = new StringBuilder();
        boolean upper = false;
        for (char c : stateDictName.toCharArray()) {
            if (c == '.' || c == '_') {
                upper = true;
            } else {
                sb.append(upper && sb.length() > 0 ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return sb.toString();
    }
}
