package io.voidbox.spi;

import io.voidbox.Failure;
import java.io.IOException;
import java.util.Objects;

/**
 * A box's command hit one of the box's resource limits: thrown by {@link Sandbox#exec} with the
 * stage's failure already typed, so the stage fails as {@code resource_limit} with a message that
 * names the limit, not as an internal error.
 */
public final class ResourceLimitException extends IOException {
    private final Failure.ResourceLimit failure;

    /**
     * @param resource what ran out: {@code memory} or {@code processes}
     * @param message names the box and the limit
     */
    public ResourceLimitException(String resource, String message) {
        this(new Failure.ResourceLimit(message, resource, -1));
    }

    private ResourceLimitException(Failure.ResourceLimit failure) {
        super(failure.message());
        this.failure = Objects.requireNonNull(failure, "failure");
    }

    /** The stage's failure: the message, the resource, no exit code (the command was stopped). */
    public Failure.ResourceLimit failure() {
        return failure;
    }
}
