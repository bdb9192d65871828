package io.voidbox.spi;

import java.io.IOException;

/**
 * A box's command hit one of the box's resource limits (memory, processes): thrown by
 * {@link Sandbox#exec} so the stage fails with a message that names the limit, not as an
 * internal error.
 */
public class ResourceLimitException extends IOException {
    public ResourceLimitException(String message) {
        super(message);
    }
}
