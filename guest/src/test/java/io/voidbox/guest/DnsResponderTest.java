package io.voidbox.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The box's DNS responder over a real UDP socket: allowed names get their alias, others NXDOMAIN. */
class DnsResponderTest {
    private final List<String> asked = new CopyOnWriteArrayList<>();

    private static byte[] query(int id, String name, int type) {
        ByteBuffer b = ByteBuffer.allocate(512);
        b.putShort((short) id).putShort((short) 0x0100).putShort((short) 1).putShort((short) 0);
        b.putShort((short) 0).putShort((short) 0);
        for (String label : name.split("\\.")) {
            b.put((byte) label.length()).put(label.getBytes());
        }
        b.put((byte) 0).putShort((short) type).putShort((short) 1);
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }

    private byte[] ask(DnsResponder dns, byte[] q) throws Exception {
        try (DatagramSocket s = new DatagramSocket()) {
            s.setSoTimeout(5000);
            s.send(new DatagramPacket(q, q.length, InetAddress.getLoopbackAddress(), dns.port()));
            DatagramPacket p = new DatagramPacket(new byte[512], 512);
            s.receive(p);
            byte[] r = new byte[p.getLength()];
            System.arraycopy(p.getData(), 0, r, 0, r.length);
            return r;
        }
    }

    @Test
    void allowedNamesGetTheirAliasAndOthersNxdomain() throws Exception {
        try (DnsResponder dns = new DnsResponder(name -> {
                    asked.add(name);
                    return name.equals("a.vbx.test") ? Optional.of("127.77.0.3") : Optional.empty();
                })
                .start("127.0.0.1", 0)) {
            ByteBuffer ok = ByteBuffer.wrap(ask(dns, query(0x1234, "A.vbx.test", 1)));
            assertThat(ok.getShort(0) & 0xFFFF).isEqualTo(0x1234);
            assertThat(ok.getShort(2) & 0x000F).as("rcode").isZero();
            assertThat(ok.getShort(6)).as("answers").isEqualTo((short) 1);
            byte[] addr = new byte[4];
            ok.position(ok.limit() - 4);
            ok.get(addr);
            assertThat(InetAddress.getByAddress(addr).getHostAddress()).isEqualTo("127.77.0.3");

            ByteBuffer v6 = ByteBuffer.wrap(ask(dns, query(7, "a.vbx.test", 28)));
            assertThat(v6.getShort(2) & 0x000F).isZero();
            assertThat(v6.getShort(6)).as("no AAAA answer").isZero();

            ByteBuffer no = ByteBuffer.wrap(ask(dns, query(9, "evil.example.org", 1)));
            assertThat(no.getShort(2) & 0x000F).as("NXDOMAIN").isEqualTo(3);
            assertThat(no.getShort(6)).isZero();
        }
        assertThat(asked).containsExactly("a.vbx.test", "a.vbx.test", "evil.example.org");
    }
}
