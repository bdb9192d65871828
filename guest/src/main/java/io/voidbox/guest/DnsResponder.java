package io.voidbox.guest;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * The box's DNS server ({@code /etc/resolv.conf} names {@value #ADDRESS}): the guest resolves no
 * name itself. Each query's name goes to {@code lookup} (which asks the host, who answers only
 * names that match a {@code sandbox.allow} entry, with the private loopback alias it listens on);
 * an allowed name gets that IPv4 address, any other {@code NXDOMAIN}. AAAA and other types get an
 * empty answer for allowed names (the box has no IPv6).
 */
final class DnsResponder implements AutoCloseable {
    static final String ADDRESS = "127.0.0.53";
    private static final int A = 1;
    private static final int NXDOMAIN = 3;
    private static final int FORMERR = 1;

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
                byte[] reply = answer(query, lookup);
                if (reply == null) return;
                try {
                    s.send(new DatagramPacket(reply, reply.length, from));
                } catch (IOException e) {
                    // the asker is gone
                }
            });
        }
    }

    /** The reply to one query, or null when it is not worth one (no header). */
    static byte[] answer(byte[] query, Function<String, Optional<String>> lookup) {
        if (query.length < 12) return null;
        ByteBuffer in = ByteBuffer.wrap(query);
        int id = in.getShort(0) & 0xFFFF;
        int qd = in.getShort(4) & 0xFFFF;
        in.position(12);
        StringBuilder name = new StringBuilder();
        int qtype;
        int questionEnd;
        try {
            if (qd != 1) return header(id, FORMERR, 0, 0);
            while (true) {
                int len = in.get() & 0xFF;
                if (len == 0) break;
                if (len > 63) return header(id, FORMERR, 0, 0);
                byte[] label = new byte[len];
                in.get(label);
                if (!name.isEmpty()) name.append('.');
                name.append(new String(label, StandardCharsets.US_ASCII));
            }
            qtype = in.getShort() & 0xFFFF;
            in.getShort(); // class
            questionEnd = in.position();
        } catch (RuntimeException e) {
            return header(id, FORMERR, 0, 0);
        }
        Optional<String> address = lookup.apply(name.toString().toLowerCase(Locale.ROOT));
        if (address.isEmpty()) return withQuestion(header(id, NXDOMAIN, 1, 0), query, questionEnd, null);
        return withQuestion(
                header(id, 0, 1, qtype == A ? 1 : 0), query, questionEnd, qtype == A ? address.get() : null);
    }

    private static byte[] header(int id, int rcode, int qd, int an) {
        ByteBuffer b = ByteBuffer.allocate(12);
        b.putShort((short) id);
        b.putShort((short) (0x8180 | rcode)); // response, recursion desired and available
        b.putShort((short) qd);
        b.putShort((short) an);
        b.putShort((short) 0);
        b.putShort((short) 0);
        return b.array();
    }

    private static byte[] withQuestion(byte[] header, byte[] query, int questionEnd, String ipv4) {
        int extra = ipv4 == null ? 0 : 16;
        ByteBuffer b = ByteBuffer.allocate(questionEnd + extra);
        b.put(header);
        b.put(query, 12, questionEnd - 12);
        if (ipv4 != null) {
            b.putShort((short) 0xC00C); // the question's name
            b.putShort((short) A);
            b.putShort((short) 1); // IN
            b.putInt(60);
            b.putShort((short) 4);
            for (String part : ipv4.split("\\.")) b.put((byte) Integer.parseInt(part));
        }
        return b.array();
    }

    @Override
    public void close() {
        DatagramSocket s = socket;
        if (s != null) s.close();
    }
}
