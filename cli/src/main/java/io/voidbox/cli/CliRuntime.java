package io.voidbox.cli;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.metrics.MeterProvider;
import io.opentelemetry.api.trace.TracerProvider;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.voidbox.SandboxOptions.Backend;
import io.voidbox.VoidBox;
import io.voidbox.observability.OtelSetup;
import io.voidbox.spec.Observe;
import java.io.PrintStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Wires the runtime for the command line: backends, the environment, one-line notices, and
 * OpenTelemetry export when an OTLP endpoint is configured (flushed, bounded, and summarized in
 * one line at the end; a dead collector never blocks or fails the run). A spec's {@code observe}
 * block fills in what the environment leaves open: the contract's variables win
 * ({@code VOIDBOX_OTLP_ENDPOINT} > {@code OTEL_EXPORTER_OTLP_ENDPOINT} > {@code observe.otlp_endpoint};
 * {@code VOIDBOX_SERVICE_NAME} > {@code observe.service_name}), and {@code traces}/{@code metrics:
 * false} keep that signal from being exported.
 */
final class CliRuntime implements AutoCloseable {
    static final String VOIDBOX_OTLP_ENDPOINT = "VOIDBOX_OTLP_ENDPOINT";
    static final String OTEL_EXPORTER_OTLP_ENDPOINT = "OTEL_EXPORTER_OTLP_ENDPOINT";
    static final String VOIDBOX_SERVICE_NAME = "VOIDBOX_SERVICE_NAME";

    private final Backend backend;
    private final PrintStream err;
    private final OtelSetup otel;
    private final Map<String, String> environment;
    private final Observe observe;

    private CliRuntime(
            Backend backend, PrintStream err, OtelSetup otel, Map<String, String> environment, Observe observe) {
        this.backend = backend;
        this.err = err;
        this.otel = otel;
        this.environment = environment;
        this.observe = observe;
    }

    static CliRuntime create(Backend backend, PrintStream err, Map<String, String> environment) {
        return create(backend, err, environment, Observe.DEFAULTS);
    }

    static CliRuntime create(Backend backend, PrintStream err, Map<String, String> environment, Observe observe) {
        OtelSetup otel = observe.traces() || observe.metrics()
                ? OtelSetup.fromEnvironment(otelEnvironment(environment, observe), err)
                : OtelSetup.disabled(err);
        return new CliRuntime(backend, err, otel, environment, observe);
    }

    /** The environment {@link OtelSetup} reads: the spec's endpoint and service name where the environment has none. */
    static Map<String, String> otelEnvironment(Map<String, String> environment, Observe observe) {
        Map<String, String> env = new HashMap<>(environment);
        if (blank(env, VOIDBOX_OTLP_ENDPOINT) && blank(env, OTEL_EXPORTER_OTLP_ENDPOINT))
            observe.otlpEndpoint().ifPresent(e -> env.put(VOIDBOX_OTLP_ENDPOINT, e));
        if (blank(env, VOIDBOX_SERVICE_NAME)) observe.serviceName().ifPresent(n -> env.put(VOIDBOX_SERVICE_NAME, n));
        return env;
    }

    private static boolean blank(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank();
    }

    VoidBox.Builder builder() {
        VoidBox.Builder b = VoidBox.builder()
                .backend(backend)
                .environment(environment)
                .notices(n -> err.println("voidbox: " + n))
                .telemetryBufferSize(observe.telemetryBufferSize());
        if (otel.exporting()) b.openTelemetry(only(otel.openTelemetry(), observe.traces(), observe.metrics()));
        return b;
    }

    /** {@code otel} with the signals the spec turned off replaced by no-ops. */
    static OpenTelemetry only(OpenTelemetry otel, boolean traces, boolean metrics) {
        if (traces && metrics) return otel;
        return new OpenTelemetry() {
            @Override
            public TracerProvider getTracerProvider() {
                return traces ? otel.getTracerProvider() : TracerProvider.noop();
            }

            @Override
            public MeterProvider getMeterProvider() {
                return metrics ? otel.getMeterProvider() : MeterProvider.noop();
            }

            @Override
            public ContextPropagators getPropagators() {
                return otel.getPropagators();
            }
        };
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
