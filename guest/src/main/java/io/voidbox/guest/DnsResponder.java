package io.voidbox.guest;

import io.voidbox.protocol.DnsAnswers;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Function;

/**
 * The box's DNS server ({@code /etc/resolv.conf} names {@value #ADDRESS}): the guest resolves no
 * name itself. Each query's name goes to {@code lookup} (which asks the host, who answers only
 * names that match a {@code sandbox.allow} entry, with the private loopback alias it listens on),
 * answered as {@link DnsAnswers} says.
 */
final class DnsResponder implements AutoCloseable {
    static final String ADDRESS = DnsAnswers.RESOLVER;

    private final Function<String, Optional<String>> lookup;
    private volatile DatagramSocket socket;

    DnsResponder(Function<String, Optional<String>> lookup) {
        this.lookup = lookup;
    }

    /** Listens on {@code address:port} (best effort: without it the box simply resolves nothing). */
    DnsResponder start(String address, int port) {
        try {
            socket = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(address), port));
        } catch (IOException e) {
            Log.warn("no DNS responder on " + address + ":" + port + ": " + e.getMessage());
            return this;
        }
        Thread.ofVirtual().name("dns").start(this::serve);
        return this;
    }

    int port() {
        DatagramSocket s = socket;
        return s == null ? -1 : s.getLocalPort();
    }

    private void serve() {
        DatagramSocket s = socket;
        byte[] buf = new byte[512];
        while (!s.isClosed()) {
            DatagramPacket p = new DatagramPacket(buf, buf.length);
            try {
                s.receive(p);
            } catch (IOException e) {
                return;
            }
            byte[] query = Arrays.copyOf(p.getData(), p.getLength());
            var from = p.getSocketAddress();
            Thread.ofVirtual().start(() -> {
                byte[] reply = DnsAnswers.answer(query, lookup);
                if (reply == null) return;
                try {
                    s.send(new DatagramPacket(reply, reply.length, from));
                } catch (IOException e) {
                    // the asker is gone
                }
            });
        }
    }

    @Override
    public void close() {
        DatagramSocket s = socket;
        if (s != null) s.close();
    }
}
