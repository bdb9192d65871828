package io.voidbox.spi;

import io.voidbox.SandboxOptions;
import io.voidbox.protocol.TelemetryBatch;
import java.util.List;
import java.util.function.Consumer;

/**
 * What a box asks of its sandbox.
 *
 * @param scope     the box: its name, the lifecycle events and {@code [vm:NAME]} lines it reports
 * @param options   resources, network, environment and mounts of the box
 * @param telemetry receives telemetry batches (guest or process-tree samples)
 * @param payloads  files the box's agent needs inside the sandbox ({@link AgentRunner#payload()})
 */
public record SandboxRequest(
        BoxScope scope, SandboxOptions options, Consumer<TelemetryBatch> telemetry, List<AgentPayload> payloads) {
    public SandboxRequest {
        payloads = List.copyOf(payloads);
    }

    /** A request whose agent needs nothing beyond what the sandbox carries. */
    public SandboxRequest(BoxScope scope, SandboxOptions options, Consumer<TelemetryBatch> telemetry) {
        this(scope, options, telemetry, List.of());
    }

    /** The {@code [vm:NAME]} of every line the sandbox logs. */
    public String boxName() {
        return scope.box();
    }
}
