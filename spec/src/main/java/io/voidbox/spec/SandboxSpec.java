package io.voidbox.spec;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Where and with what resources a box runs (effective values).
 *
 * <p>Defaults: backend {@code auto}, accel {@code auto}, 1024 MB (min 256, max 65536), 1 vCPU
 * (1..8), network on, no env, no mounts, telemetry every 1000 ms (min 100, max 60000).
 *
 * @param backend             {@code auto} (VM when possible, else local), {@code vm} or {@code local}
 * @param accel               {@code auto}, {@code kvm} or {@code tcg} (VM backend only)
 * @param memoryMb            guest memory in MB
 * @param vcpus               guest vCPUs
 * @param network             false: the box gets no network at all
 * @param env                 extra environment for the agent (top-level and box maps merged key by
 *                            key, the box wins)
 * @param mounts              host directories exposed in the box (a box's list replaces the
 *                            top-level list)
 * @param telemetryIntervalMs sampling interval of guest/process telemetry
 */
public record SandboxSpec(
        Backend backend,
        Accel accel,
        int memoryMb,
        int vcpus,
        boolean network,
        Map<String, String> env,
        List<Mount> mounts,
        long telemetryIntervalMs) {

    public static final int DEFAULT_MEMORY_MB = 1024;
    public static final int MIN_MEMORY_MB = 256;
    public static final int MAX_MEMORY_MB = 65536;
    public static final int DEFAULT_VCPUS = 1;
    public static final int MAX_VCPUS = 8;
    public static final long DEFAULT_TELEMETRY_INTERVAL_MS = 1000;
    public static final long MIN_TELEMETRY_INTERVAL_MS = 100;
    public static final long MAX_TELEMETRY_INTERVAL_MS = 60000;

    /** Every field at its default. */
    public static final SandboxSpec DEFAULTS = new SandboxSpec(Backend.AUTO, Accel.AUTO, DEFAULT_MEMORY_MB,
            DEFAULT_VCPUS, true, Map.of(), List.of(), DEFAULT_TELEMETRY_INTERVAL_MS);

    public SandboxSpec {
        env = Map.copyOf(env);
        mounts = List.copyOf(mounts);
    }

    /** Which sandbox implementation runs the box. */
    public enum Backend {
        AUTO("auto"), VM("vm"), LOCAL("local");

        private final String id;

        Backend(String id) {
            this.id = id;
        }

        /** The spelling in spec files. */
        public String id() {
            return id;
        }
    }

    /** CPU virtualisation for the VM backend. */
    public enum Accel {
        AUTO("auto"), KVM("kvm"), TCG("tcg");

        private final String id;

        Accel(String id) {
            this.id = id;
        }

        /** The spelling in spec files (and in {@code SandboxRequest.accel}). */
        public String id() {
            return id;
        }
    }

    /**
     * A host directory exposed inside the box.
     *
     * @param host     absolute host path (relative paths in the file resolve against the spec's
     *                 directory)
     * @param guest    absolute path inside the box
     * @param readOnly {@code mode: ro} (the default) versus {@code mode: rw}
     */
    public record Mount(Path host, String guest, boolean readOnly) {}
}
