package io.voidbox.guest;

import io.voidbox.protocol.Connection;
import io.voidbox.protocol.Message;
import io.voidbox.protocol.Message.Ok;
import io.voidbox.protocol.Message.ResolveName;
import io.voidbox.protocol.Message.TunnelListen;
import io.voidbox.protocol.Message.TunnelOpen;
import io.voidbox.protocol.TunnelStreams;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The guest end of a box's network: listeners the host asked for ({@link TunnelListen}), each
 * accepted connection handed to the host as a tunnel stream. The box has no route anywhere else
 * (no network device in {@code restricted} and {@code off} mode), so what is not listened on here
 * is unreachable. Listeners and streams live as long as the host connection.
 */
final class TunnelListeners implements AutoCloseable {
    private final Path hostsFile;
    private final TunnelStreams streams = new TunnelStreams();
    private final List<ServerSocket> servers = new CopyOnWriteArrayList<>();
    private final AtomicLong streamIds = new AtomicLong();
    /** Ports with a range listener (on every address). */
    private final Set<Integer> rangePorts = ConcurrentHashMap.newKeySet();
    /** Names the host made reachable, and the address each resolves to. */
    private final Map<String, String> names = new ConcurrentHashMap<>();
    /** Names the host refused in this session (asked once). */
    private final Set<String> refused = ConcurrentHashMap.newKeySet();

    private static final long RESOLVE_TIMEOUT_S = 20;

    TunnelListeners(Path hostsFile) {
        this.hostsFile = hostsFile;
    }

    /** Listens as asked and answers {@link Ok}, or an {@link Message.Error} naming what failed. */
    Message listen(TunnelListen r, Connection c) {
        try {
            boolean range = r.address().contains("/");
            InetAddress address;
            if (range) {
                // a sandbox.allow range: its addresses are this guest's own (a local route), one
                // listener on every address; the host checks each connection's destination
                addLocalRoute(r.address());
                if (!rangePorts.add(r.port())) return new Ok(r.requestId()); // one listener per port serves all ranges
                address = InetAddress.getByName("0.0.0.0");
            } else {
                address = InetAddress.getByName(r.address());
                if (!address.isLoopbackAddress()) addToLoopback(r.address());
            }
            ServerSocket server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(address, r.port()), 64);
            servers.add(server);
            if (!r.name().isEmpty()) {
                addHostsEntry(r.address(), r.name());
                names.put(r.name(), r.address());
            }
            Thread.ofVirtual()
                    .name("tunnel-listen-" + r.port())
                    .start(() -> acceptLoop(server, r.requestId(), range, c));
            Log.info("tunnel listening on " + r.address() + ":" + r.port()
                    + (r.name().isEmpty() ? "" : " (" + r.name() + ")"));
            return new Ok(r.requestId());
        } catch (IOException | RuntimeException e) {
            return new Message.Error(
                    r.requestId(), "cannot listen on " + r.address() + ":" + r.port() + ": " + e.getMessage());
        }
    }

    /** A {@link Message.TunnelData} or {@link Message.TunnelClose} from the host. */
    void onMessage(Message m) {
        streams.onMessage(m);
    }

    /**
     * The address {@code name} resolves to inside the box: one the host already made reachable, or
     * the host's answer to a {@link ResolveName} (which opens the listeners first). Empty when
     * the host refuses it (no {@code sandbox.allow} entry matches; the host reports it).
     */
    Optional<String> resolve(String name, Connection c) {
        String known = names.get(name);
        if (known != null) return Optional.of(known);
        if (refused.contains(name) || c == null) return Optional.empty();
        try {
            Message reply =
                    c.call(new ResolveName(streamIds.decrementAndGet(), name)).get(RESOLVE_TIMEOUT_S, TimeUnit.SECONDS);
            if (reply instanceof Ok) return Optional.ofNullable(names.get(name));
        } catch (ExecutionException | TimeoutException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
        if (refused.size() < 1024) refused.add(name);
        return Optional.empty();
    }

    private void acceptLoop(ServerSocket server, long listenId, boolean range, Connection c) {
        while (!server.isClosed()) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            long id = streamIds.decrementAndGet(); // negative: never a host request id
            streams.register(id);
            try {
                c.send(new TunnelOpen(id, listenId, range ? s.getLocalAddress().getHostAddress() : ""));
                streams.attach(id, s, c);
            } catch (IOException e) {
                streams.abort(id, c);
                closeQuietly(s);
            }
        }
    }

    /** {@code ip addr add ADDRESS/32 dev lo}: a non-loopback address (the host's, 10.0.2.2) answered inside. */
    private static void addToLoopback(String address) throws IOException {
        try {
            Process p = new ProcessBuilder("ip", "addr", "add", address + "/32", "dev", "lo")
                    .redirectErrorStream(true)
                    .start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS)) throw new IOException("ip addr add timed out");
            if (p.exitValue() != 0 && !out.contains("exists"))
                throw new IOException("ip addr add " + address + "/32 dev lo: " + out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** {@code ip route add local RANGE dev lo}: every address of an allowed range answered inside. */
    private static void addLocalRoute(String range) throws IOException {
        ip(List.of("ip", "route", "add", "local", range, "dev", "lo"));
    }

    private static void ip(List<String> argv) throws IOException {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(10, TimeUnit.SECONDS)) throw new IOException(String.join(" ", argv) + " timed out");
            if (p.exitValue() != 0 && !out.contains("exists"))
                throw new IOException(String.join(" ", argv) + ": " + out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private synchronized void addHostsEntry(String address, String name) throws IOException {
        String line = address + " " + name;
        if (Files.exists(hostsFile) && Files.readAllLines(hostsFile).contains(line)) return;
        Files.writeString(
                hostsFile, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
    }

    @Override
    public void close() {
        for (ServerSocket s : servers) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        servers.clear();
        streams.close();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing left to do
        }
    }
}
