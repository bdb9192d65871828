package io.voidbox.sandbox.vm.internal;

import io.voidbox.SandboxOptions.Network;
import io.voidbox.SandboxOptions.Network.Endpoint;
import io.voidbox.event.RunEvent;
import io.voidbox.protocol.Connection;
import io.voidbox.protocol.Message;
import io.voidbox.protocol.Message.NetDenied;
import io.voidbox.protocol.Message.ResolveName;
import io.voidbox.protocol.Message.TunnelClose;
import io.voidbox.protocol.Message.TunnelData;
import io.voidbox.protocol.Message.TunnelListen;
import io.voidbox.protocol.Message.TunnelOpen;
import io.voidbox.protocol.PeerErrorException;
import io.voidbox.protocol.TunnelStreams;
import io.voidbox.sandbox.vm.image.GuestImage;
import io.voidbox.spi.BoxScope;
import io.voidbox.spi.support.AllowedTargets;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The host end of a VM box's network policy. In {@code restricted} and {@code off} mode the guest
 * has no network device at all; what it may reach is served by listeners inside the guest whose
 * connections are tunnelled over the box's channel and connected here, on the host, to exactly
 * the allowed destination: the model endpoint of each agent command, and (unless {@code off}) the
 * {@code sandbox.allow} entries. {@code host:PORT} and the gateway address
 * {@value GuestImage#HOST_ADDRESS} mean the host's loopback; a name is made to resolve inside the
 * guest to a private loopback alias ({@code 127.77.0.N}) and is resolved and connected by the host.
 */
public final class BoxNetwork {
    /** Environment variables that carry an agent's model endpoint. */
    static final List<String> MODEL_URL_VARIABLES =
            List.of("ANTHROPIC_BASE_URL", "OPENAI_BASE_URL", "VOIDBOX_CODEX_BASE_URL");
    /** Claude Code's endpoint when no base URL is set but a credential is. */
    static final String ANTHROPIC_DEFAULT = "https://api.anthropic.com";

    static final List<String> ANTHROPIC_CREDENTIALS =
            List.of("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "CLAUDE_CODE_OAUTH_TOKEN");
    private static final int CONNECT_TIMEOUT_MS = 10_000;
    private static final long LISTEN_TIMEOUT_S = 60;

    /**
     * Where a guest listener's connections go on the host side; {@code host} null: a range
     * listener, whose connections go to their own destination if an allow range holds it.
     */
    record Target(String host, int port) {
        boolean isRange() {
            return host == null;
        }
    }

    private final Network policy;
    private final BoxScope scope;
    private final TunnelStreams streams = new TunnelStreams();
    private final Map<String, Long> listening = new ConcurrentHashMap<>();
    private final Map<Long, Target> targets = new ConcurrentHashMap<>();
    private final Map<String, String> aliases = new ConcurrentHashMap<>();
    private volatile Connection connection;

    public BoxNetwork(Network policy, BoxScope scope) {
        this.policy = policy;
        this.scope = scope;
    }

    /** The channel's handler for tunnel frames from the guest (pass to {@link Connection#connect}). */
    public void onMessage(Connection c, Message m) {
        switch (m) {
            case TunnelOpen o -> open(c, o);
            case TunnelData _, TunnelClose _ -> streams.onMessage(m);
            case NetDenied d ->
                scope.netDenied(
                        nameOf(d.destination()), d.port(), d.protocol(), RunEvent.NetDenied.NOT_ALLOWED, d.count());
            case ResolveName r ->
                Thread.ofVirtual().name("resolve-" + r.requestId()).start(() -> resolve(c, r));
            default -> {}
        }
    }

    /** Starts the listeners of {@code sandbox.allow} on the connected guest. */
    public void start(Connection c) throws IOException, InterruptedException {
        this.connection = c;
        if (policy.mode() == Network.Mode.OFF) return;
        for (Endpoint e : policy.allow()) {
            if (e.isHost()) listen(GuestImage.HOST_ADDRESS, e.port(), Endpoint.HOST, new Target("127.0.0.1", e.port()));
            else if (e.isRange()) listen(e.host(), e.port(), "", new Target(null, e.port()));
            else if (!e.isWildcard()) listen(alias(e.host()), e.port(), e.host(), new Target(e.host(), e.port()));
            // wildcards: on demand, when the box looks a name up (resolve)
        }
    }

    /**
     * A name the box looked up: reachable when a {@code sandbox.allow} entry matches it (then the
     * guest listens on its alias for every matching port before the answer), else refused and a
     * {@code net.denied} of the name.
     */
    private void resolve(Connection c, ResolveName r) {
        String name = r.name().toLowerCase(Locale.ROOT);
        List<Endpoint> matching = policy.mode() == Network.Mode.OFF
                ? List.of()
                : policy.allow().stream()
                        .filter(e -> e.matchesName(name, e.port()))
                        .toList();
        Message reply;
        if (matching.isEmpty()) {
            scope.netDenied(name, 0, "dns", RunEvent.NetDenied.NOT_ALLOWED, 1);
            reply = new Message.Error(r.requestId(), "not allowed: " + name);
        } else {
            try {
                for (Endpoint e : matching) listen(alias(name), e.port(), name, new Target(name, e.port()));
                reply = new Message.Ok(r.requestId());
            } catch (IOException | RuntimeException e) {
                reply = new Message.Error(r.requestId(), "cannot open " + name + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        try {
            c.send(reply);
        } catch (IOException e) {
            // the box is gone
        }
    }

    /** The name an address of the guest stands for (an alias, the host's address), else itself. */
    private String nameOf(String address) {
        if (address.equals(GuestImage.HOST_ADDRESS)) return Endpoint.HOST;
        for (var e : aliases.entrySet()) if (e.getValue().equals(address)) return e.getKey();
        return address;
    }

    /**
     * Makes the model endpoints named in an agent command's environment reachable from inside
     * (before the command starts): the only way out of a {@code restricted} or {@code off} box
     * that the spec did not list.
     */
    public void exposeModelEndpoints(Map<String, String> env) throws IOException, InterruptedException {
        boolean any = false;
        for (String key : MODEL_URL_VARIABLES) {
            String url = env.get(key);
            if (url == null || url.isBlank()) continue;
            any = true;
            exposeUrl(url);
        }
        if (!any
                && ANTHROPIC_CREDENTIALS.stream()
                        .anyMatch(k -> env.get(k) != null && !env.get(k).isBlank())) exposeUrl(ANTHROPIC_DEFAULT);
    }

    private void exposeUrl(String url) throws IOException, InterruptedException {
        URI u;
        try {
            u = URI.create(url);
        } catch (IllegalArgumentException e) {
            return; // not a URL: the agent reports it
        }
        String host = u.getHost();
        if (host == null) return;
        int port = u.getPort() > 0 ? u.getPort() : "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
        if (host.equals(GuestImage.HOST_ADDRESS)) listen(host, port, "", new Target("127.0.0.1", port));
        else if (host.equals("localhost") || host.startsWith("127.")) return; // the guest's own loopback
        else listen(alias(host), port, host, new Target(host, port));
    }

    /** A private loopback address that {@code name} resolves to inside the guest. */
    private synchronized String alias(String name) {
        String a = aliases.get(name);
        if (a == null) {
            if (aliases.size() >= 250) throw new IllegalStateException("more than 250 allowed host names");
            a = "127.77.0." + (aliases.size() + 1);
            aliases.put(name, a);
        }
        return a;
    }

    private synchronized void listen(String address, int port, String name, Target target)
            throws IOException, InterruptedException {
        String key = address + ":" + port;
        if (listening.containsKey(key)) return;
        Connection c = connection;
        if (c == null) throw new IOException("the box's channel is not connected yet");
        long id = c.nextRequestId();
        targets.put(id, target);
        try {
            Message reply = c.call(new TunnelListen(id, address, port, name)).get(LISTEN_TIMEOUT_S, TimeUnit.SECONDS);
            if (reply instanceof Message.Error e) throw new PeerErrorException(e.message());
        } catch (ExecutionException e) {
            targets.remove(id);
            throw new IOException(
                    "guest did not open " + key + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            targets.remove(id);
            throw new IOException("guest did not open " + key + " within " + LISTEN_TIMEOUT_S + " s");
        }
        listening.put(key, id);
        scope.line(
                "net",
                "reachable from the box: " + (name.isEmpty() ? address : name) + ":" + port + " -> "
                        + (target.isRange()
                                ? "the same address, checked by the host"
                                : target.host() + ":" + target.port()));
    }

    private void open(Connection c, TunnelOpen o) {
        Target listener = targets.get(o.listenId());
        if (listener == null) {
            streams.abort(o.requestId(), c);
            scope.netDenied("", 0, "tcp", RunEvent.NetDenied.NOT_ALLOWED, 1);
            return;
        }
        Target t = listener;
        if (listener.isRange()) {
            // the host decides, not the guest: the destination must be in an allowed range
            String d = o.destination();
            boolean allowed = policy.allow().stream().anyMatch(e -> e.containsAddress(d, listener.port()));
            if (!allowed) {
                streams.abort(o.requestId(), c);
                scope.netDenied(nameOf(d), listener.port(), "tcp", RunEvent.NetDenied.NOT_ALLOWED, 1);
                return;
            }
            t = new Target(d, listener.port());
        }
        Target target = t;
        streams.register(o.requestId());
        Thread.ofVirtual().name("tunnel-connect-" + o.requestId()).start(() -> {
            Socket s = new Socket();
            try {
                s.connect(
                        new InetSocketAddress(AllowedTargets.address(target.host()), target.port()),
                        CONNECT_TIMEOUT_MS);
                s.setTcpNoDelay(true);
                streams.attach(o.requestId(), s, c);
            } catch (IOException | RuntimeException e) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // nothing to close
                }
                streams.abort(o.requestId(), c);
                scope.line("net", "cannot connect to " + target.host() + ":" + target.port() + ": " + e.getMessage());
                scope.netDenied(target.host(), target.port(), "tcp", RunEvent.NetDenied.UNREACHABLE, 1);
            }
        });
    }

    /** Drops every tunnel stream (the box is closing). */
    public void close() {
        streams.close();
    }
}
