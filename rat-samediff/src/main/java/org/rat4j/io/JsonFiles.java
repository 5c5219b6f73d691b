package org.rat4j.io;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Path;

/**
 * JSON files written atomically. Kept apart from {@link AtomicFiles}, which must compile with the JDK alone
 * (scripts/fetch-data.sh builds the data converters with plain javac).
 */
public final class JsonFiles {
    private JsonFiles() {
    }

    /**
     * Writes {@code value} as JSON with {@code mapper}, atomically. Jackson would close the stream it writes to;
     * here the stream stays open so that {@link AtomicFiles} can sync the file before the rename.
     */
    public static void write(Path target, ObjectMapper mapper, Object value) throws IOException {
        AtomicFiles.write(target, out -> mapper.writer().without(JsonGenerator.Feature.AUTO_CLOSE_TARGET).writeValue(out, value));
    }
}
