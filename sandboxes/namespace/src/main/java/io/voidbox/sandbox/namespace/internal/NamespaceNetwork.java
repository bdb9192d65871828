package io.voidbox.sandbox.namespace.internal;

import io.voidbox.SandboxOptions.Network;
import io.voidbox.SandboxOptions.Network.Endpoint;
import io.voidbox.event.RunEvent;
import io.voidbox.protocol.DnsAnswers;
import io.voidbox.sandbox.namespace.internal.HostForwarder.Target;
import io.voidbox.spi.BoxScope;
import io.voidbox.spi.SandboxRequest;
import io.voidbox.spi.support.SandboxUser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A namespace box's network policy, host side. The box reaches its model endpoints, the {@code
 * host:PORT} entries of {@code sandbox.allow} (as {@code 127.0.0.1:PORT} and {@code host:PORT}),
 * and the names an entry matches (exact, or {@code *.example.org}): the box's only resolver
 * ({@value DnsAnswers#RESOLVER}) is answered here, and an allowed name gets a private loopback
 * alias ({@code 127.77.0.N}) on whose allowed ports the box's holder listens; the host resolves
 * and connects the name itself. Every other destination is refused inside the box's {@link
 * NetNamespace} and reported as {@code net.denied}, like a name no entry matches ({@code dns}).
 * An address range's port is listened on at every address, and the host connects only what the
 * range holds. In {@code open} mode (with slirp4netns) the box also reaches everything outside the
 * host through a NAT that refuses the host's loopback, and resolves names through it. One per
 * sandbox.
 */
final class NamespaceNetwork implements AutoCloseable {
    /** The run directory's replacements of {@code /etc/hosts} and {@code /etc/resolv.conf}, bound over them. */
    static final List<String> ETC_FILES = List.of("hosts", "resolv.conf");

    private static final String ALIASES = "127.77.";
    /** slirp4netns's DNS forwarder (to the host's resolvers), the resolver of an {@code open} box. */
    private static final String SLIRP_RESOLVER = "10.0.2.3";

    private final Network policy;
    /** {@code open} mode with slirp4netns. */
    private final boolean open;

    private final BoxScope scope;
    private final NetNamespace net;
    private final HostForwarder forwarder;
    private final List<Integer> hostPorts;
    /** Allowed names looked up so far, and their aliases. */
    private final Map<String, String> aliases = new ConcurrentHashMap<>();
    /** The other way round, for reports. */
    private final Map<String, String> names = new ConcurrentHashMap<>();

    private final AtomicInteger nextAlias = new AtomicInteger();

    private NamespaceNetwork(SandboxRequest request, NetNamespace net, Path runDir, boolean open) {
        this.open = open;
        this.policy = request.options().network();
        this.scope = request.scope();
        this.net = net;
        this.forwarder = new HostForwarder(runDir, request.boxName(), (t, e) -> {
            scope.line("net", "cannot connect to " + t.host() + ":" + t.port() + ": " + e.getMessage());
            scope.netDenied(t.host(), t.port(), "tcp", RunEvent.NetDenied.UNREACHABLE, 1);
        });
        List<Integer> ports = new ArrayList<>();
        if (policy.mode() != Network.Mode.OFF) for (Endpoint e : policy.allow()) if (e.isHost()) ports.add(e.port());
        this.hostPorts = List.copyOf(ports);
    }

    /**
     * Starts the box's network namespace, its resolver and its {@code host:PORT} listeners; in
     * {@code open} mode with slirp4netns, the way out to everything but the host's loopback.
     */
    static NamespaceNetwork start(SandboxRequest request, SandboxUser user, Path runDir, Path log) throws IOException {
        boolean open = request.options().network().mode() == Network.Mode.OPEN;
        if (open && NamespaceSupport.onPath("slirp4netns").isEmpty()) {
            request.scope()
                    .warning("sandbox.network: open needs slirp4netns on backend namespace (apt-get install"
                            + " slirp4netns); this box stays restricted");
            open = false;
        }
        NetNamespace net = NetNamespace.start(user, runDir, log, open);
        NamespaceNetwork network = new NamespaceNetwork(request, net, runDir, open);
        try {
            network.writeEtc(runDir, open ? SLIRP_RESOLVER : DnsAnswers.RESOLVER);
            if (!open) net.listenDatagrams(DnsAnswers.RESOLVER, 53, network.forwarder.dnsSocket(network::lookup));
            for (int port : network.hostPorts) network.exposeLoopback(port);
            network.listenRanges();
            return network;
        } catch (IOException | RuntimeException e) {
            network.close();
            throw e;
        }
    }

    private void writeEtc(Path runDir, String resolver) throws IOException {
        Path etcHosts = Path.of("/etc/hosts");
        String hosts = Files.isReadable(etcHosts) ? Files.readString(etcHosts) : "";
        if (!hosts.isEmpty() && !hosts.endsWith("\n")) hosts += "\n";
        if (!hostPorts.isEmpty()) hosts += "127.0.0.1 " + Endpoint.HOST + "\n";
        String resolv = "nameserver " + resolver + "\noptions timeout:5 attempts:1\n";
        for (String name : ETC_FILES) {
            Path file = runDir.resolve(name);
            Files.writeString(file, name.equals("hosts") ? hosts : resolv);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        }
    }

    /**
     * A listener on every address of each range entry's port: the host connects a connection
     * whose destination a range entry holds, and refuses (and reports) any other.
     */
    private void listenRanges() throws IOException {
        if (policy.mode() == Network.Mode.OFF) return;
        Set<Integer> ports = new TreeSet<>();
        for (Endpoint e : policy.allow()) if (e.isRange()) ports.add(e.port());
        for (int port : ports)
            net.listenRange(port, forwarder.rangeSocket(port, address -> {
                boolean allowed = policy.allow().stream().anyMatch(e -> e.containsAddress(address, port));
                if (!allowed) scope.netDenied(address, port, "tcp", RunEvent.NetDenied.NOT_ALLOWED, 1);
                return allowed;
            }));
    }

    /** What the box reaches, for its start line. */
    String describe() {
        return (open ? "open (slirp4netns), " : "") + "model endpoint"
                + (hostPorts.isEmpty() ? "" : ", host ports " + hostPorts)
                + (policy.mode() == Network.Mode.OFF || policy.allow().isEmpty() ? "" : ", sandbox.allow");
    }

    /** The command prefix that runs a command in the box's network namespace. */
    List<String> enter() {
        return net.enter();
    }

    /** Makes {@code 127.0.0.1:port} inside reach that port on the host's loopback. */
    void exposeLoopback(int port) throws IOException {
        net.listen(Target.LOOPBACK, port, forwarder.socketFor(new Target(Target.LOOPBACK, port)));
    }

    /**
     * A name the box looked up: its alias when an entry matches it (listening first on every
     * matching port), else nothing and a {@code net.denied} of the name.
     */
    Optional<String> lookup(String queried) {
        String name = queried.toLowerCase(Locale.ROOT);
        List<Endpoint> matching = policy.mode() == Network.Mode.OFF
                ? List.of()
                : policy.allow().stream()
                        .filter(e -> !e.isHost() && !e.isRange() && e.matchesName(name, e.port()))
                        .toList();
        if (matching.isEmpty()) {
            scope.netDenied(name, 0, "dns", RunEvent.NetDenied.NOT_ALLOWED, 1);
            return Optional.empty();
        }
        String alias = aliases.computeIfAbsent(name, n -> {
            int k = nextAlias.getAndIncrement();
            String a = ALIASES + (k / 254) + "." + (k % 254 + 1);
            names.put(a, n);
            return a;
        });
        try {
            for (Endpoint e : matching) net.listen(alias, e.port(), forwarder.socketFor(new Target(name, e.port())));
            return Optional.of(alias);
        } catch (IOException e) {
            scope.line("net", "cannot open " + name + ": " + e.getMessage());
            return Optional.empty();
        }
    }

    /** Each destination the box's kernel refused since the last report becomes a {@code net.denied} event. */
    void report() throws IOException {
        net.newlyRefused()
                .forEach((r, count) -> scope.netDenied(
                        r.destination().equals(Target.LOOPBACK)
                                ? Endpoint.HOST
                                : names.getOrDefault(r.destination(), r.destination()),
                        r.port(),
                        r.protocol(),
                        RunEvent.NetDenied.NOT_ALLOWED,
                        count));
    }

    /** Ends the holder and its listeners, then the host side of every connection. */
    @Override
    public void close() {
        net.close();
        forwarder.close();
    }
}
