package org.rat4j.bench;

/**
 * What identifies one layer-benchmark case: mode, mixer label and sizes. The parent's case list, the worker's
 * result and the op profile all carry it; {@link #key()} is also the key of the PyTorch peer's results.
 */
public class LayerCase {
    public String mode;
    public String mixer;
    public int d;
    public int heads;
    public int batch;
    public int seqLen;

    public LayerCase() {
    }

    public LayerCase(String mode, String mixer, int d, int heads, int batch, int seqLen) {
        this.mode = mode;
        this.mixer = mixer;
        this.d = d;
        this.heads = heads;
        this.batch = batch;
        this.seqLen = seqLen;
    }

    public String key() {
        return key(mode, mixer, d, heads, batch, seqLen);
    }

    public static String key(String mode, String mixer, int d, int heads, int batch, int seqLen) {
        return mode + "/" + mixer + "/D" + d + "/H" + heads + "/B" + batch + "/T" + seqLen;
    }
}
