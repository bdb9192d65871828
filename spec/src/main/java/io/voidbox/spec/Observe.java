package io.voidbox.spec;

import io.voidbox.VoidBox;
import java.util.Objects;
import java.util.Optional;

/**
 * A spec's {@code observe} block, resolved: what a run exports and where. Applied by whoever runs
 * the spec (the CLI) under the observability contract's environment variables, which win:
 * {@code VOIDBOX_OTLP_ENDPOINT}, then {@code OTEL_EXPORTER_OTLP_ENDPOINT}, then
 * {@link #otlpEndpoint()}; {@code VOIDBOX_SERVICE_NAME}, then {@link #serviceName()}, then
 * {@code void-box}. So an operator can redirect or rename a run without editing the file.
 *
 * @param traces              export spans when an endpoint is configured (default true)
 * @param metrics             export metrics when an endpoint is configured (default true)
 * @param logs                box logs ({@code [vm:NAME]} lines and {@code log} events); always on
 *                            in this runtime, so always true ({@code logs: false} is refused)
 * @param otlpEndpoint        OTLP endpoint ({@code http(s)://host:port}) used when the environment
 *                            names none
 * @param serviceName         {@code service.name} used when the environment names none
 * @param telemetryBufferSize guest telemetry samples kept in memory per box (default
 *                            {@value VoidBox#DEFAULT_TELEMETRY_BUFFER_SIZE})
 */
public record Observe(
        boolean traces,
        boolean metrics,
        boolean logs,
        Optional<String> otlpEndpoint,
        Optional<String> serviceName,
        int telemetryBufferSize) {

    /** No {@code observe} block: export whatever the environment configures, keep the default buffer. */
    public static final Observe DEFAULTS =
            new Observe(true, true, true, Optional.empty(), Optional.empty(), VoidBox.DEFAULT_TELEMETRY_BUFFER_SIZE);

    /** The largest {@link #telemetryBufferSize()} a spec may ask for. */
    public static final int MAX_TELEMETRY_BUFFER_SIZE = 1_000_000;

    public Observe {
        Objects.requireNonNull(otlpEndpoint, "otlpEndpoint");
        Objects.requireNonNull(serviceName, "serviceName");
        if (telemetryBufferSize < 1 || telemetryBufferSize > MAX_TELEMETRY_BUFFER_SIZE)
            throw new IllegalArgumentException("telemetryBufferSize must be between 1 and " + MAX_TELEMETRY_BUFFER_SIZE
                    + ", was " + telemetryBufferSize);
    }
}
