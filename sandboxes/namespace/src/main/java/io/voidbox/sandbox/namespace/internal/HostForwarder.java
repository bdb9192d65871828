package io.voidbox.sandbox.namespace.internal;

import io.voidbox.protocol.DnsAnswers;
import io.voidbox.spi.support.AllowedTargets;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The host side of a namespace box's way out: the box's network namespace reaches nothing, so each
 * destination it may reach (its model endpoint, a port on the host's loopback; a {@code host:PORT}
 * or an allowed name's port of {@code sandbox.allow}) is offered as one Unix socket in a directory
 * the box's network holder can read ({@link NetNamespace} listens on the agent's side of it), and
 * each connection is forwarded to that destination from the host. Only the destinations {@link
 * #socketFor} was asked for exist: nothing else on the host is reachable. The box's DNS queries
 * come in the same way ({@link #dnsSocket}). One per sandbox; {@link #close()} closes the sockets
 * and every connection.
 */
public final class HostForwarder implements AutoCloseable {
    /** A destination: {@code host} {@value #LOOPBACK} is the host's loopback, else a name the host resolves. */
    record Target(String host, int port) {
        static final String LOOPBACK = "127.0.0.1";
    }

    private static final int CONNECT_TIMEOUT_MS = 10_000;

    private final Path dir;
    private final String box;
    private final BiConsumer<Target, IOException> unreachable;
    /** The socket of each destination asked for so far. */
    private final Map<Target, String> targets = new ConcurrentHashMap<>();
    /** The sockets bound so far, by name; each is served once. */
    private final Map<String, ServerSocketChannel> servers = new ConcurrentHashMap<>();

    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /**
     * Sockets go into {@code dir} (an existing directory the box's user can read); a destination
     * that cannot be connected is told to {@code unreachable}.
     */
    public HostForwarder(Path dir, String box, BiConsumer<Target, IOException> unreachable) {
        this.dir = dir;
        this.box = box;
        this.unreachable = unreachable;
    }

    /**
     * The socket's file name (in the directory) that forwards to {@code target} ({@code PORT.sock}
     * for a loopback port); started on first use.
     */
    public synchronized String socketFor(Target target) throws IOException {
        String name = targets.get(target);
        if (name != null) return name;
        name = target.host().equals(Target.LOOPBACK)
                ? target.port() + ".sock"
                : "n" + targets.size() + "-" + target.port() + ".sock";
        serve(name, inside -> connect(inside, target));
        targets.put(target, name);
        return name;
    }

    /**
     * The socket ({@code r-PORT.sock}) of an address range's listener: each connection names its
     * destination first (one line); one {@code allowed} accepts is connected, any other closed.
     */
    public synchronized String rangeSocket(int port, Predicate<String> allowed) throws IOException {
        String name = "r-" + port + ".sock";
        serve(name, inside -> {
            String address = firstLine(inside);
            if (address != null && allowed.test(address)) connect(inside, new Target(address, port));
            else closeQuietly(inside);
        });
        return name;
    }

    /** The destination line a range connection starts with (read byte by byte: the rest is the stream). */
    private static String firstLine(SocketChannel c) {
        ByteBuffer one = ByteBuffer.allocate(1);
        StringBuilder line = new StringBuilder();
        try {
            while (line.length() < 64) {
                one.clear();
                if (c.read(one) <= 0) return null;
                char ch = (char) one.get(0);
                if (ch == '\n') return line.toString();
                line.append(ch);
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    /**
     * The socket ({@code dns.sock}) whose every connection carries one DNS query and gets {@link
     * DnsAnswers}' reply, with the name looked up by {@code lookup}; started on first use.
     */
    public synchronized String dnsSocket(Function<String, Optional<String>> lookup) throws IOException {
        serve("dns.sock", c -> answer(c, lookup));
        return "dns.sock";
    }

    /**
     * Binds socket {@code name} and hands each connection to {@code handler} on a virtual thread of
     * its own; a name already served stays as it is.
     */
    private void serve(String name, Consumer<SocketChannel> handler) throws IOException {
        if (closed) throw new IOException("host forwarder of box " + box + " is closed");
        if (servers.containsKey(name)) return;
        Path path = dir.resolve(name);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        // the box's user must be able to connect; the directory holds nothing else
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw-rw-"));
        servers.put(name, server);
        Thread.ofVirtual().name("host-accept-" + box + "-" + name).start(() -> {
            while (!closed) {
                SocketChannel c;
                try {
                    c = server.accept();
                } catch (IOException e) {
                    return; // closed
                }
                Thread.ofVirtual().name("host-conn-" + box + "-" + name).start(() -> handler.accept(c));
            }
        });
    }

    /** One query (one datagram, relayed in one write), one answer, then the connection ends. */
    private void answer(SocketChannel c, Function<String, Optional<String>> lookup) {
        open.add(c);
        try (c) {
            ByteBuffer query = ByteBuffer.allocate(512);
            if (c.read(query) <= 0) return;
            byte[] reply = DnsAnswers.answer(Arrays.copyOf(query.array(), query.position()), lookup);
            if (reply != null) c.write(ByteBuffer.wrap(reply));
        } catch (IOException e) {
            // the asker is gone
        } finally {
            open.remove(c);
        }
    }

    private void connect(SocketChannel inside, Target target) {
        open.add(inside);
        SocketChannel host = null;
        try (inside) {
            host = SocketChannel.open();
            open.add(host);
            try {
                var address = new InetSocketAddress(AllowedTargets.address(target.host()), target.port());
                if (address.isUnresolved()) throw new IOException("unknown host " + target.host());
                host.socket().connect(address, CONNECT_TIMEOUT_MS);
            } catch (IOException e) {
                if (!target.host().equals(Target.LOOPBACK)) unreachable.accept(target, e);
                throw e;
            }
            SocketChannel to = host;
            Thread back = Thread.ofVirtual().start(() -> pump(to, inside));
            pump(inside, host);
            back.join();
        } catch (IOException e) {
            // the endpoint is down or the box hung up: the agent sees a closed connection
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            open.remove(inside);
            if (host != null) {
                open.remove(host);
                closeQuietly(host);
            }
        }
    }

    /** Copies until end of stream, then half-closes the other side so responses still flow back. */
    private void pump(SocketChannel from, SocketChannel to) {
        ByteBuffer buf = ByteBuffer.allocate(64 << 10);
        try {
            while (from.read(buf) >= 0) {
                buf.flip();
                while (buf.hasRemaining()) to.write(buf);
                buf.clear();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            // one side went away: closing both ends the other pump
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed = true;
        for (ServerSocketChannel s : servers.values()) {
            try {
                s.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
        for (SocketChannel c : open) closeQuietly(c);
    }
}
