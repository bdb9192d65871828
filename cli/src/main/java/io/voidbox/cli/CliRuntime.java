package io.voidbox.cli;

import io.voidbox.SandboxOptions.Backend;
import io.voidbox.VoidBox;
import io.voidbox.observability.OtelSetup;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;

/**
 * Wires the runtime for the command line: backends, the environment, one-line notices, and
 * OpenTelemetry export when an OTLP endpoint is configured (flushed, bounded, and summarized in
 * one line at the end; a dead collector never blocks or fails the run).
 */
final class CliRuntime implements AutoCloseable {
    private final Backend backend;
    private final PrintStream err;
    private final OtelSetup otel;
    private final Map<String, String> environment;

    private CliRuntime(Backend backend, PrintStream err, OtelSetup otel, Map<String, String> environment) {
        this.backend = backend;
        this.err = err;
        this.otel = otel;
        this.environment = environment;
    }

    static CliRuntime create(Backend backend, PrintStream err, Map<String, String> environment) {
        return new CliRuntime(backend, err, OtelSetup.fromEnvironment(environment, err), environment);
    }

    VoidBox.Builder builder() {
        VoidBox.Builder b =
                VoidBox.builder().backend(backend).environment(environment).notices(n -> err.println("voidbox: " + n));
        if (otel.exporting()) b.openTelemetry(otel.openTelemetry());
        return b;
    }

    /** Pushes what the run produced to the collector, bounded; call before closing the runtime. */
    void flush() {
        if (otel.exporting()) otel.flush(Duration.ofSeconds(3));
    }

    @Override
    public void close() {
        otel.close();
    }
}
