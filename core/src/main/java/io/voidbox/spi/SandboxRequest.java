package io.voidbox.spi;

import io.voidbox.SandboxOptions.Accel;
import io.voidbox.SandboxOptions.Mount;
import io.voidbox.protocol.TelemetryBatch;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What a box asks of its sandbox.
 *
 * @param boxName             the {@code [vm:NAME]} of every line the sandbox logs
 * @param memoryMb            guest memory (VM backend)
 * @param vcpus               guest vCPUs (VM backend)
 * @param accel               the requested accelerator (VM backend; resolved by the sandbox)
 * @param network             false: no NIC at all
 * @param env                 extra environment for every command
 * @param mounts              host directories to expose
 * @param telemetryIntervalMs sampling interval of guest/process telemetry (>= 100)
 * @param telemetry           receives telemetry batches (guest or process-tree samples)
 * @param lifecycle           receives console/lifecycle lines and boot milestones
 */
public record SandboxRequest(
        String boxName,
        int memoryMb,
        int vcpus,
        Accel accel,
        boolean network,
        Map<String, String> env,
        List<Mount> mounts,
        long telemetryIntervalMs,
        Consumer<TelemetryBatch> telemetry,
        SandboxListener lifecycle) {

    public SandboxRequest {
        env = Map.copyOf(env);
        mounts = List.copyOf(mounts);
    }
}
