package org.rat4j.io.torch;

/**
 * One storage of a torch.save zip: the record {@code <archive>/data/<key>}, holding {@code bytes} bytes of elements
 * of {@code dtype} ({@link TorchDtype#UINT8} for an untyped storage, whose tensors name their own dtype).
 */
public record TorchStorage(String key, TorchDtype dtype, long bytes) {
}
