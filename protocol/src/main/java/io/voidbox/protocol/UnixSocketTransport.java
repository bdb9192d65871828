package io.voidbox.protocol;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A Unix domain socket connection. The host either connects to a socket QEMU listens on
 * ({@code -chardev socket,path=P,server=on,wait=off}) with {@link #connect(Path)}, or listens
 * itself with {@link #listen(Path)} before starting QEMU with {@code server=off}. Closing
 * unblocks a reader blocked on {@link #input()}.
 */
public final class UnixSocketTransport extends StreamTransport {
    private UnixSocketTransport(SocketChannel channel, String description) {
        super(Channels.newInputStream(channel), Channels.newOutputStream(channel), description, channel);
    }

    /** Connects to a listening socket at {@code path}. */
    public static UnixSocketTransport connect(Path path) throws IOException {
        try {
            return new UnixSocketTransport(SocketChannel.open(UnixDomainSocketAddress.of(path)), "unix:" + path);
        } catch (IOException e) {
            throw new IOException("cannot connect to unix socket " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Connects, retrying while the socket does not exist yet or refuses (QEMU still starting; a
     * socket file appears just before its owner listens) until {@code patience} has passed.
     */
    public static UnixSocketTransport connect(Path path, Duration patience) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (true) {
            try {
                return connect(path);
            } catch (IOException e) {
                if (System.nanoTime() - deadline > 0) throw e;
                Thread.sleep(20);
            }
        }
    }

    /** Binds a listening socket at {@code path} (which must not exist yet); accept with {@link Listener#accept(Duration)}. */
    public static Listener listen(Path path) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(path));
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot listen on unix socket " + path + ": " + e.getMessage(), e);
        }
        return new Listener(server, path);
    }

    /** A bound listening socket; owns the socket file and deletes it on {@link #close()}. */
    public static final class Listener implements Closeable {
        private final ServerSocketChannel server;
        private final Path path;
        private volatile Selector selecting;

        private Listener(ServerSocketChannel server, Path path) {
            this.server = server;
            this.path = path;
        }

        public Path path() {
            return path;
        }

        /**
         * Waits up to {@code timeout} for one peer. The listener stays open (close it when no
         * further peer is expected); the returned transport is the caller's.
         */
        public UnixSocketTransport accept(Duration timeout) throws IOException {
            long deadline = System.nanoTime() + timeout.toNanos();
            synchronized (this) {
                server.configureBlocking(false);
                try (Selector selector = Selector.open()) {
                    server.register(selector, SelectionKey.OP_ACCEPT);
                    selecting = selector;
                    while (true) {
                        if (!server.isOpen()) throw new IOException("unix socket listener " + path + " was closed");
                        SocketChannel ch = server.accept();
                        if (ch != null) {
                            ch.configureBlocking(true);
                            return new UnixSocketTransport(ch, "unix:" + path);
                        }
                        long leftMs = (deadline - System.nanoTime()) / 1_000_000;
                        if (leftMs <= 0)
                            throw new IOException("no connection on unix socket " + path + " within " + timeout);
                        selector.select(leftMs);
                        selector.selectedKeys().clear();
                    }
                } finally {
                    selecting = null;
                }
            }
        }

        /** Stops listening (waking a pending {@link #accept}) and deletes the socket file. */
        @Override
        public void close() throws IOException {
            try {
                server.close();
                Selector s = selecting;
                if (s != null) s.wakeup();
            } finally {
                Files.deleteIfExists(path);
            }
        }
    }
}
