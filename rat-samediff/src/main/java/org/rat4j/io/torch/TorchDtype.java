package org.rat4j.io.torch;

import org.rat4j.io.SafeTensors;

import java.nio.ByteBuffer;

/**
 * The element types of torch storages that a checkpoint may hold: the legacy storage class each is pickled as
 * ({@code torch.FloatStorage}, ...) and the dtype global ({@code torch.float32}, ...) of {@code _rebuild_tensor_v3}.
 * Only the floating types are weights; the others are accepted as inert data (an optimizer's step counts, say) and
 * refused only if a weight has them.
 */
public enum TorchDtype {
    FLOAT32("FloatStorage", "float32", 4, true),
    FLOAT64("DoubleStorage", "float64", 8, true),
    FLOAT16("HalfStorage", "float16", 2, true),
    BFLOAT16("BFloat16Storage", "bfloat16", 2, true),
    INT64("LongStorage", "int64", 8, false),
    INT32("IntStorage", "int32", 4, false),
    INT16("ShortStorage", "int16", 2, false),
    INT8("CharStorage", "int8", 1, false),
    UINT8("ByteStorage", "uint8", 1, false),
    BOOL("BoolStorage", "bool", 1, false);

    private final String storageClass;
    private final String dtypeName;
    private final int width;
    private final boolean floating;

    TorchDtype(String storageClass, String dtypeName, int width, boolean floating) {
        this.storageClass = storageClass;
        this.dtypeName = dtypeName;
        this.width = width;
        this.floating = floating;
    }

    /** The class name under {@code torch} that torch.save pickles for a typed storage, e.g. {@code FloatStorage}. */
    public String storageClass() {
        return storageClass;
    }

    /** The dtype's name under {@code torch}, e.g. {@code bfloat16}. */
    public String dtypeName() {
        return dtypeName;
    }

    /** Bytes per element. */
    public int width() {
        return width;
    }

    public boolean floating() {
        return floating;
    }

    /** Element {@code index} of {@code b} (in the buffer's byte order) as a float; only for floating types. */
    float read(ByteBuffer b, int index) {
        int at = index * width;
        return switch (this) {
            case FLOAT32 -> b.getFloat(at);
            case FLOAT64 -> (float) b.getDouble(at);
            case FLOAT16 -> SafeTensors.halfToFloat(b.getShort(at));
            case BFLOAT16 -> SafeTensors.bfloat16ToFloat(b.getShort(at));
            default -> throw new IllegalStateException(this + " is not a floating type");
        };
    }
}
