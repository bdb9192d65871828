package io.voidbox.spi;

import java.io.IOException;

/**
 * A file read from a box is larger than {@link Sandbox#MAX_READ_BYTES}: the box's output is
 * bounded on every backend, so one agent cannot exhaust the host's memory with its output file.
 */
public final class FileTooLargeException extends IOException {
    public FileTooLargeException(String path, long sizeBytes) {
        super(path + " has " + sizeBytes + " bytes, more than the " + Sandbox.MAX_READ_BYTES
                + " bytes a file read from a box may have");
    }
}
