package io.voidbox.spi;

import java.io.IOException;
import java.util.Optional;

/**
 * Where one box's agent runs: a micro-VM or a local process sandbox. The engine only talks to
 * this seam, so every backend gets the same events, workspace handling and agent runner.
 * A sandbox is started by its {@link SandboxProvider} and always cleaned up by {@link #close()}.
 */
public interface Sandbox extends AutoCloseable {
    /** Largest file {@link #readFile} returns, on every backend (a VM's channel frame carries about as much). */
    int MAX_READ_BYTES = 4 << 20;

    /** What the agent runner needs to know about the inside of this sandbox. */
    SandboxEnvironment environment();

    /** Writes a file below the workspace (path relative to it, no {@code ..}). */
    void writeFile(String relativePath, byte[] content) throws IOException;

    /**
     * Reads a file below the workspace; empty when it does not exist.
     *
     * @throws FileTooLargeException when the file has more than {@link #MAX_READ_BYTES}
     */
    Optional<byte[]> readFile(String relativePath) throws IOException;

    /**
     * Runs a command to completion, streaming its output line by line. On timeout the whole
     * process tree is killed and {@link ExecResult#timedOut()} is true. Interruption kills the
     * process tree too, then rethrows.
     */
    ExecResult exec(ExecSpec spec, OutputSink sink) throws IOException, InterruptedException;

    /**
     * True when the sandbox shows the box's {@code mounts} itself, live (bind mounts of the host
     * directories at their guest paths, {@code ro} enforced); the engine then neither copies them
     * in nor out. False (the default): the engine copies them through {@link #writeFile} and
     * {@link #readFile}.
     */
    default boolean mountsLive() {
        return false;
    }

    /** Stops everything the sandbox started and removes its temporary files. Idempotent. */
    @Override
    void close();
}
