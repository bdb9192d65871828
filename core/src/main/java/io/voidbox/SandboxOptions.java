package io.voidbox;

import io.voidbox.spi.SandboxRequest.Mount;
import java.util.List;
import java.util.Map;

/**
 * How a box is isolated. {@code backend}: {@code auto} (micro-VM where QEMU and the guest image
 * are available, else local with a warning), {@code vm} (error if unavailable) or {@code local}.
 */
public record SandboxOptions(
        String backend,
        String accel,
        int memoryMb,
        int vcpus,
        boolean network,
        Map<String, String> env,
        List<Mount> mounts,
        long telemetryIntervalMs) {

    public SandboxOptions {
        env = Map.copyOf(env);
        mounts = List.copyOf(mounts);
        if (telemetryIntervalMs < 100) throw new IllegalArgumentException("telemetryIntervalMs must be >= 100, was " + telemetryIntervalMs);
    }

    public static SandboxOptions defaults() {
        return new SandboxOptions("auto", "auto", 1024, 1, true, Map.of(), List.of(), 1000);
    }

    public SandboxOptions withBackend(String b) {
        return new SandboxOptions(b, accel, memoryMb, vcpus, network, env, mounts, telemetryIntervalMs);
    }

    public SandboxOptions withTelemetryIntervalMs(long ms) {
        return new SandboxOptions(backend, accel, memoryMb, vcpus, network, env, mounts, ms);
    }
}
