package io.voidbox.guest;

import io.voidbox.protocol.Connection;
import io.voidbox.protocol.Message;
import io.voidbox.protocol.Message.Ok;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
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

    TunnelListeners(Path hostsFile) {
        this.hostsFile = hostsFile;
    }

    /** Listens as asked and answers {@link Ok}, or an {@link Message.Error} naming what failed. */
    Message listen(TunnelListen r, Connection c) {
        try {
            InetAddress address = InetAddress.getByName(r.address());
            if (!address.isLoopbackAddress()) addToLoopback(r.address());
            ServerSocket server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(address, r.port()), 64);
            servers.add(server);
            if (!r.name().isEmpty()) addHostsEntry(r.address(), r.name());
            Thread.ofVirtual().name("tunnel-listen-" + r.port()).start(() -> acceptLoop(server, r.requestId(), c));
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

    private void acceptLoop(ServerSocket server, long listenId, Connection c) {
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
                c.send(new TunnelOpen(id, listenId));
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
