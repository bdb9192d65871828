package io.voidbox.spi;

import java.io.IOException;

/**
 * A box's command hit one of the box's resource limits: thrown by {@link Sandbox#exec} so the
 * stage fails as {@code resource_limit} with a message that names the limit, not as an internal
 * error.
 */
public final class ResourceLimitException extends IOException {
    private final String resource;

    /** @param resource what ran out: {@code memory} or {@code processes} */
    public ResourceLimitException(String resource, String message) {
        super(message);
        this.resource = resource;
    }

    public String resource() {
        return resource;
    }
}
