package io.voidbox;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How a box is isolated, with its defaults and limits in one place: the Java builder and the spec
 * file both end up here, so a box means the same whichever way it was written.
 *
 * @param backend             where the box runs (default {@link Backend#AUTO})
 * @param accel               CPU virtualisation of the VM backend (default {@link Accel#AUTO})
 * @param memoryMb            guest memory, {@value #MIN_MEMORY_MB}..{@value #MAX_MEMORY_MB}
 *                            (default {@value #DEFAULT_MEMORY_MB})
 * @param vcpus               guest vCPUs, 1..{@value #MAX_VCPUS} (default {@value #DEFAULT_VCPUS})
 * @param network             what the box may reach (default {@link Network#RESTRICTED}: its model endpoint only)
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
        Network network,
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
            Network.RESTRICTED,
            Map.of(),
            List.of(),
            DEFAULT_TELEMETRY_INTERVAL_MS);

    public SandboxOptions {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(accel, "accel");
        Objects.requireNonNull(network, "network");
        env = Map.copyOf(env);
        mounts = List.copyOf(mounts);
        check("memoryMb", memoryMb, MIN_MEMORY_MB, MAX_MEMORY_MB);
        check("vcpus", vcpus, 1, MAX_VCPUS);
        check("telemetryIntervalMs", telemetryIntervalMs, MIN_TELEMETRY_INTERVAL_MS, MAX_TELEMETRY_INTERVAL_MS);
    }

    /**
     * VoidBox's boolean spelling of {@code network}: {@code true} is {@link Network.Mode#OPEN},
     * {@code false} {@link Network.Mode#RESTRICTED}.
     */
    public SandboxOptions(
            Backend backend,
            Accel accel,
            int memoryMb,
            int vcpus,
            boolean network,
            Map<String, String> env,
            List<Mount> mounts,
            long telemetryIntervalMs) {
        this(backend, accel, memoryMb, vcpus, Network.of(network), env, mounts, telemetryIntervalMs);
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

    public SandboxOptions withNetwork(Network n) {
        return new SandboxOptions(backend, accel, memoryMb, vcpus, n, env, mounts, telemetryIntervalMs);
    }

    /** Environment values may be secrets (passed through from the host): only their names are shown. */
    @Override
    public String toString() {
        return "SandboxOptions[backend=" + backend + ", accel=" + accel + ", memoryMb=" + memoryMb + ", vcpus=" + vcpus
                + ", network=" + network + ", env=" + env.keySet() + ", mounts=" + mounts + ", telemetryIntervalMs="
                + telemetryIntervalMs + "]";
    }

    /**
     * What a box may reach over the network, deny by default: a hostile agent must not get at the
     * services on the host's loopback, the local network or the internet unless the spec says so.
     * The model endpoint is always reachable (the sandbox routes it through the host).
     *
     * @param mode  {@code restricted} (default: the model endpoint and {@code allow} only), {@code open}
     *              (outbound internet too, never the host's loopback unless allowed) or {@code off} (the
     *              model endpoint only, no network device at all)
     * @param allow {@code HOST:PORT} entries reachable in {@code restricted} and {@code open} mode; the
     *              host {@code host} names the machine that runs voidbox (its loopback)
     */
    public record Network(Mode mode, List<Endpoint> allow) {
        /** The default: the model endpoint and nothing else. */
        public static final Network RESTRICTED = new Network(Mode.RESTRICTED, List.of());

        public Network {
            Objects.requireNonNull(mode, "network");
            allow = List.copyOf(allow);
            if (mode == Mode.OFF && !allow.isEmpty())
                throw new IllegalArgumentException("sandbox.allow must be empty when sandbox.network is off");
        }

        /** VoidBox's booleans: {@code true} is open, {@code false} restricted. */
        public static Network of(boolean open) {
            return open ? new Network(Mode.OPEN, List.of()) : RESTRICTED;
        }

        public Network withAllow(List<Endpoint> entries) {
            return new Network(mode, entries);
        }

        /** How much network a box gets. */
        public enum Mode implements SpecEnum {
            RESTRICTED,
            OPEN,
            OFF;
        }

        /**
         * One {@code sandbox.allow} entry and a port: an exact host name, an IPv4 address, {@code
         * host} (the machine running voidbox), a wildcard name {@code *.example.org} (any name
         * below it, not the name itself) or an IPv4 range {@code 10.1.0.0/16}.
         */
        public record Endpoint(String host, int port) {
            /** The host name that stands for the machine running voidbox. */
            public static final String HOST = "host";

            private static final Pattern NAME = Pattern.compile(
                    "(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");
            private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

            public Endpoint {
                Objects.requireNonNull(host, "host");
                if (host.contains("/")) checkRange(host);
                else if (host.startsWith("*.")) {
                    if (!NAME.matcher(host.substring(2)).matches())
                        throw new IllegalArgumentException("sandbox.allow: invalid wildcard '" + host
                                + "' (a '*.' in front of a DNS name, e.g. *.example.org)");
                } else if (!NAME.matcher(host).matches())
                    throw new IllegalArgumentException("sandbox.allow: invalid host '" + host + "'");
                if (port < 1 || port > 65535)
                    throw new IllegalArgumentException("sandbox.allow: port must be 1..65535, got " + port);
            }

            private static void checkRange(String range) {
                String[] parts = range.split("/", -1);
                long address = parts.length == 2 ? ipv4(parts[0]) : -1;
                int bits;
                try {
                    bits = parts.length == 2 && parts[1].matches("\\d{1,2}") ? Integer.parseInt(parts[1]) : -1;
                } catch (NumberFormatException e) {
                    bits = -1;
                }
                if (address < 0 || bits < 0 || bits > 32)
                    throw new IllegalArgumentException("sandbox.allow: invalid address range '" + range
                            + "' (an IPv4 address, '/' and a prefix length 0..32, e.g. 10.1.0.0/16)");
                if ((address & ~mask(bits) & 0xFFFF_FFFFL) != 0)
                    throw new IllegalArgumentException("sandbox.allow: address range '" + range
                            + "' has bits set past its prefix (did you mean "
                            + dotted(address & mask(bits)) + "/" + bits + "?)");
            }

            /** The IPv4 address as an unsigned number, -1 when {@code s} is not one. */
            private static long ipv4(String s) {
                var m = IPV4.matcher(s);
                if (!m.matches()) return -1;
                long v = 0;
                for (int i = 1; i <= 4; i++) {
                    int octet = Integer.parseInt(m.group(i));
                    if (octet > 255) return -1;
                    v = (v << 8) | octet;
                }
                return v;
            }

            private static long mask(int bits) {
                return bits == 0 ? 0 : (0xFFFF_FFFFL << (32 - bits)) & 0xFFFF_FFFFL;
            }

            private static String dotted(long v) {
                return ((v >> 24) & 255) + "." + ((v >> 16) & 255) + "." + ((v >> 8) & 255) + "." + (v & 255);
            }

            /** {@code HOST:PORT}; {@code HOST} as above, the error names the entry. */
            public static Endpoint parse(String entry) {
                String e = entry.strip();
                String expected = " (expected HOST:PORT, e.g. host:8080, api.example.org:443, *.example.org:443"
                        + " or 10.1.0.0/16:5432)";
                int colon = e.lastIndexOf(':');
                if (colon <= 0 || colon != e.indexOf(':'))
                    throw new IllegalArgumentException("sandbox.allow: '" + entry + "'" + expected);
                int port;
                try {
                    port = Integer.parseInt(e.substring(colon + 1));
                } catch (NumberFormatException x) {
                    throw new IllegalArgumentException(
                            "sandbox.allow: '" + entry + "': the port is not a number" + expected);
                }
                try {
                    return new Endpoint(e.substring(0, colon).toLowerCase(Locale.ROOT), port);
                } catch (IllegalArgumentException x) {
                    throw new IllegalArgumentException("sandbox.allow: '" + entry + "': "
                            + x.getMessage().replace("sandbox.allow: ", "") + expected);
                }
            }

            /** True for a wildcard name ({@code *.example.org}). */
            public boolean isWildcard() {
                return host.startsWith("*.");
            }

            /** True for an IPv4 range ({@code 10.1.0.0/16}). */
            public boolean isRange() {
                return host.contains("/");
            }

            /**
             * True when a connection to {@code name} (a DNS name, lower case) on {@code port} is
             * this entry: the same name, or for a wildcard any name below its suffix.
             */
            public boolean matchesName(String name, int port) {
                if (port != this.port) return false;
                if (isWildcard()) return name.endsWith(host.substring(1)) && name.length() > host.length() - 1;
                return !isRange() && name.equals(host);
            }

            /** True when this is a range that holds the IPv4 address {@code address} (dotted) and the port is its. */
            public boolean containsAddress(String address, int port) {
                if (!isRange() || port != this.port) return false;
                String[] parts = host.split("/");
                int bits = Integer.parseInt(parts[1]);
                long a = ipv4(address);
                return a >= 0 && (a & mask(bits)) == ipv4(parts[0]);
            }

            /** True for {@code host}: the machine running voidbox. */
            public boolean isHost() {
                return host.equals(HOST);
            }

            @Override
            public String toString() {
                return host + ":" + port;
            }
        }
    }

    /** Which sandbox implementation runs the box. */
    public enum Backend implements SpecEnum {
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
    }

    /** CPU virtualisation for the VM backend. */
    public enum Accel implements SpecEnum {
        /** KVM when it works (probed once), else TCG with one warning. */
        AUTO,
        /** Hardware virtualisation; an error if {@code /dev/kvm} is unusable. */
        KVM,
        /** QEMU's emulator: always available, much slower. */
        TCG;
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
