package io.voidbox.spi;

import io.voidbox.SandboxOptions;
import io.voidbox.SandboxOptions.Accel;
import io.voidbox.SandboxOptions.Mount;
import io.voidbox.protocol.TelemetryBatch;
import java.util.List;
import java.util.Map;
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

    public int memoryMb() {
        return options.memoryMb();
    }

    public int vcpus() {
        return options.vcpus();
    }

    /** The requested accelerator (VM backend; resolved by the sandbox). */
    public Accel accel() {
        return options.accel();
    }

    /** What the box may reach: its mode and {@code sandbox.allow} entries. */
    public SandboxOptions.Network network() {
        return options.network();
    }

    /** Extra environment for every command. */
    public Map<String, String> env() {
        return options.env();
    }

    public List<Mount> mounts() {
        return options.mounts();
    }

    /** Sampling interval of guest/process telemetry (>= 100). */
    public long telemetryIntervalMs() {
        return options.telemetryIntervalMs();
    }
}
