package io.voidbox;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * How a box is isolated, with its defaults and limits in one place: the Java builder and the spec
 * file both end up here, so a box means the same whichever way it was written.
 *
 * @param backend             where the box runs (default {@link Backend#AUTO})
 * @param accel               CPU virtualisation of the VM backend (default {@link Accel#AUTO})
 * @param memoryMb            guest memory, {@value #MIN_MEMORY_MB}..{@value #MAX_MEMORY_MB}
 *                            (default {@value #DEFAULT_MEMORY_MB})
 * @param vcpus               guest vCPUs, 1..{@value #MAX_VCPUS} (default {@value #DEFAULT_VCPUS})
 * @param network             false: the box gets no network at all (default true)
 * @param env                 extra environment for the agent; an empty value passes the host's
 *                            variable of that name through (VoidBox's convention, so a spec can say
 *                            {@code GITHUB_TOKEN: ""} without holding the secret), empty when the
 *                            host does not have it
 * @param mounts              host directories exposed in the box
 * @param telemetryIntervalMs sampling interval of guest/process telemetry,
 *                            {@value #MIN_TELEMETRY_INTERVAL_MS}..{@value #MAX_TELEMETRY_INTERVAL_MS}
 *                            (default {@value #DEFAULT_TELEMETRY_INTERVAL_MS})
 */
public record SandboxOptions(
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

    private static final SandboxOptions DEFAULTS = new SandboxOptions(
            Backend.AUTO,
            Accel.AUTO,
            DEFAULT_MEMORY_MB,
            DEFAULT_VCPUS,
            true,
            Map.of(),
            List.of(),
            DEFAULT_TELEMETRY_INTERVAL_MS);

    public SandboxOptions {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(accel, "accel");
        env = Map.copyOf(env);
        mounts = List.copyOf(mounts);
        check("memoryMb", memoryMb, MIN_MEMORY_MB, MAX_MEMORY_MB);
        check("vcpus", vcpus, 1, MAX_VCPUS);
        check("telemetryIntervalMs", telemetryIntervalMs, MIN_TELEMETRY_INTERVAL_MS, MAX_TELEMETRY_INTERVAL_MS);
    }

    private static void check(String field, long value, long min, long max) {
        if (value < min || value > max)
            throw new IllegalArgumentException(field + " must be between " + min + " and " + max + ", was " + value);
    }

    /** Every field at its default. */
    public static SandboxOptions defaults() {
        return DEFAULTS;
    }

    public SandboxOptions withBackend(Backend b) {
        return new SandboxOptions(b, accel, memoryMb, vcpus, network, env, mounts, telemetryIntervalMs);
    }

    public SandboxOptions withEnv(Map<String, String> e) {
        return new SandboxOptions(backend, accel, memoryMb, vcpus, network, e, mounts, telemetryIntervalMs);
    }

    public SandboxOptions withTelemetryIntervalMs(long ms) {
        return new SandboxOptions(backend, accel, memoryMb, vcpus, network, env, mounts, ms);
    }

    /** Environment values may be secrets (passed through from the host): only their names are shown. */
    @Override
    public String toString() {
        return "SandboxOptions[backend=" + backend + ", accel=" + accel + ", memoryMb=" + memoryMb + ", vcpus=" + vcpus
                + ", network=" + network + ", env=" + env.keySet() + ", mounts=" + mounts + ", telemetryIntervalMs="
                + telemetryIntervalMs + "]";
    }

    /** Which sandbox implementation runs the box. */
    public enum Backend {
        /**
         * The micro-VM where it runs, else the namespace sandbox, else an error saying what to
         * install (never the unisolated local backend).
         */
        AUTO,
        /** The micro-VM; an error (never a silent downgrade) if it cannot run here. */
        VM,
        /** The agent as a host process, no isolation at all; warns on every run. */
        LOCAL,
        /**
         * A bubblewrap sandbox (user, mount, pid, ipc, uts and net namespaces, host system
         * read-only, only the model endpoint reachable); for hosts where VMs are slow or absent.
         */
        NAMESPACE;

        /** The spelling in spec files and on the command line ({@code auto}, {@code vm}, {@code local}, {@code namespace}). */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The backend spelled {@code id}; the error names the allowed spellings. */
        public static Backend parse(String id) {
            return SpecIds.parse("backend", id, values(), Backend::id);
        }
    }

    /** CPU virtualisation for the VM backend. */
    public enum Accel {
        /** KVM when it works (probed once), else TCG with one warning. */
        AUTO,
        /** Hardware virtualisation; an error if {@code /dev/kvm} is unusable. */
        KVM,
        /** QEMU's emulator: always available, much slower. */
        TCG;

        /** The spelling in spec files ({@code auto}, {@code kvm}, {@code tcg}). */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The accelerator spelled {@code id}; the error names the allowed spellings. */
        public static Accel parse(String id) {
            return SpecIds.parse("accel", id, values(), Accel::id);
        }
    }

    /**
     * A host directory exposed inside the box: copied in before the agent starts and, unless
     * read-only, copied back out after it ends.
     *
     * @param host     host directory (the spec resolves relative paths against its own directory)
     * @param guest    absolute path inside the box, below {@code /workspace}
     * @param readOnly {@code mode: ro} (the spec's default) versus {@code mode: rw}
     */
    public record Mount(Path host, String guest, boolean readOnly) {
        public Mount {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(guest, "guest");
        }
    }
}
