package io.voidbox.cli;

import io.voidbox.runtime.VoidBox;
import java.io.PrintStream;

/**
 * Wires the runtime for the command line: backends, the environment, one-line notices, and
 * (when configured) OpenTelemetry export, which is flushed and summarized when closed.
 */
final class CliRuntime implements AutoCloseable {
    private final String backend;
    private final PrintStream err;

    private CliRuntime(String backend, PrintStream err) {
        this.backend = backend;
        this.err = err;
    }

    static CliRuntime create(String backend, PrintStream err) {
        return new CliRuntime(backend, err);
    }

    VoidBox.Builder builder() {
        return VoidBox.builder()
                .backend(backend)
                .environment(System.getenv())
                .notices(n -> err.println("voidbox: " + n));
    }

    @Override
    public void close() {
    }
}
