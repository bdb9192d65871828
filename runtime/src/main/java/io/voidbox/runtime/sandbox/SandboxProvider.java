package io.voidbox.runtime.sandbox;

/** Starts sandboxes of one backend. Implementations are thread-safe: fan-out starts several at once. */
public interface SandboxProvider {
    /** {@code vm} or {@code local}. */
    String backend();

    /** Boots/creates a sandbox; throws with a clear message when it cannot come up. */
    Sandbox start(SandboxRequest request) throws SandboxException, InterruptedException;
}
