package io.voidbox.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * The answers of a box's policy resolver, the only DNS server a box has ({@value #RESOLVER}; the
 * guest's on {@code vm}, the host's on {@code namespace}): one question per query; a name {@code
 * lookup} allows gets the IPv4 address it returns as its A record, and an empty answer for other
 * types (boxes have no IPv6); any other name {@code NXDOMAIN}.
 */
public final class DnsAnswers {
    /** The resolver address a box's {@code /etc/resolv.conf} names. */
    public static final String RESOLVER = "127.0.0.53";

    private static final int A = 1;
    private static final int NXDOMAIN = 3;
    private static final int FORMERR = 1;

    private DnsAnswers() {}

    /** The reply to one query, or null when it is not worth one (no header). */
    public static byte[] answer(byte[] query, Function<String, Optional<String>> lookup) {
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
}
