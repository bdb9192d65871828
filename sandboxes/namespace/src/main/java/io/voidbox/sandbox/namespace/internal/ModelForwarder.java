package io.voidbox.sandbox.namespace.internal;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The host side of a namespace box's way to its model: a box has an empty network namespace, so
 * its model endpoint (a port on the host's loopback: the scripted model, the credential proxy, a
 * local model server) is offered as one Unix socket per port in a directory that is bind-mounted
 * into the box, and each connection is forwarded to that port on the host's loopback. Inside, a
 * loopback listener on the same port number forwards to the socket, so the URL the agent got is
 * unchanged. Only the ports {@link #socketFor} was asked for exist: nothing else on the host is
 * reachable. One per sandbox; {@link #close()} closes the sockets and every connection.
 */
public final class ModelForwarder implements AutoCloseable {
    private final Path dir;
    private final String box;
    private final Map<Integer, ServerSocketChannel> servers = new ConcurrentHashMap<>();
    private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /** Sockets go into {@code dir} (an existing directory the box's user can read). */
    public ModelForwarder(Path dir, String box) {
        this.dir = dir;
        this.box = box;
    }

    /** The socket's file name (in the directory) that forwards to host loopback {@code port}; started on first use. */
    public synchronized String socketFor(int port) throws IOException {
        if (closed) throw new IOException("model forwarder of box " + box + " is closed");
        String name = port + ".sock";
        if (servers.containsKey(port)) return name;
        Path path = dir.resolve(name);
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(path));
        // the box's user must be able to connect; the directory holds nothing else
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw-rw-"));
        servers.put(port, server);
        Thread.ofVirtual().name("model-forward-" + box + "-" + port).start(() -> accept(server, port));
        return name;
    }

    private void accept(ServerSocketChannel server, int port) {
        while (!closed) {
            SocketChannel inside;
            try {
                inside = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            Thread.ofVirtual().name("model-conn-" + box + "-" + port).start(() -> connect(inside, port));
        }
    }

    private void connect(SocketChannel inside, int port) {
        open.add(inside);
        SocketChannel host = null;
        try (inside) {
            host = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
            open.add(host);
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
