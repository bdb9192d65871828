package io.voidbox.spi;

import io.voidbox.SandboxOptions.Backend;
import java.util.Optional;

/** Starts sandboxes of one backend. Implementations are thread-safe: fan-out starts several at once. */
public interface SandboxProvider {
    /** The {@link Backend#id()} this provider serves: {@code vm}, {@code namespace} or {@code local}. */
    String backend();

    /**
     * Why this backend cannot run boxes on this machine (QEMU missing, image not buildable, ...),
     * or empty when it can. Used by {@code backend: auto} to fall back with one clear warning.
     */
    default Optional<String> unavailableReason() {
        return Optional.empty();
    }

    /** Boots/creates a sandbox; throws with a clear message when it cannot come up. */
    Sandbox start(SandboxRequest request) throws SandboxException, InterruptedException;
}
