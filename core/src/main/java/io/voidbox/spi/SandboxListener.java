package io.voidbox.spi;

/** Lifecycle callbacks of a sandbox, turned into {@code box.*} and {@code log} events by the engine. */
public interface SandboxListener {
    /** The sandbox is being created/booted; {@code accel} is null for local. */
    default void booting(String backend, String accel) {}

    /** First command round trip is possible. */
    default void ready(String backend, String accel, long bootMs, String guestKernel) {}

    /** Everything is torn down. */
    default void stopped(String backend, String accel, String exitReason) {}

    /** A console or runtime line concerning this box (without the {@code [vm:NAME]} prefix). */
    default void line(String stream, String line) {}

    /** A fallback or degradation the user must see once (e.g. KVM to TCG). */
    default void warning(String message) {}

    SandboxListener NONE = new SandboxListener() {};
}
