package org.rat4j.block;

/**
 * A block of columns of a mixer's input projection {@code U = RMSNorm(x)·W_inᵀ} (equivalently, a block of rows of
 * {@code in_proj.weight}): the graph takes {@code U[:, offset : offset + width]}, a decode step reads
 * {@code u[row + offset + j]}. Each mixer's layout record lists its segments once, for both forms.
 */
public record Segment(int offset, int width) {
    /** The segment after this one, {@code width} wide. */
    public Segment next(int width) {
        return new Segment(offset + this.width, width);
    }

    /** The first column after this segment. */
    public int end() {
        return offset + width;
    }
}
