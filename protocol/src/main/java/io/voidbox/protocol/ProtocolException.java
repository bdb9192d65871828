package io.voidbox.protocol;

import java.io.IOException;

/**
 * The peer sent something that is not a valid frame (too large, truncated, unknown type, bad
 * UTF-8, ...). The channel cannot be trusted after this and is closed by whoever reads it.
 */
public class ProtocolException extends IOException {
    public ProtocolException(String message) {
        super(message);
    }

    public ProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
