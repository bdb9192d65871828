package io.voidbox.sandbox.vm.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.voidbox.protocol.Connection;
import io.voidbox.protocol.HandshakeException;
import io.voidbox.protocol.UnixSocketTransport;
import io.voidbox.sandbox.vm.VmSandboxProvider;
import io.voidbox.sandbox.vm.VmTestSupport.VmTest;
import io.voidbox.sandbox.vm.image.GuestImage;
import io.voidbox.sandbox.vm.internal.MachineSpec.Boot;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshot restore under TCG with the real image and guest agent: two boxes restored from one
 * snapshot share nothing that must be unique (secret, hostname, MAC), and their clocks are the
 * host's, not the snapshot's.
 */
@VmTest
class SnapshotIdentityVmTest {
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final SecureRandom random = new SecureRandom();

    private record Box(String name, byte[] secret, String hostname, String mac, MachineSpec spec) {}

    private Box box(GuestImage image, String name) {
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        byte[] mac = new byte[6];
        random.nextBytes(mac);
        mac[0] = 0x02;
        String hostname = "vbx-" + name;
        String macText = HexFormat.ofDelimiter(":").formatHex(mac);
        Boot boot = Boot.of(image)
                .withSecret(HexFormat.of().formatHex(secret))
                .withBoxIdentity(hostname, macText, "00".repeat(32))
                .withGuestArg("port", GuestImage.CHANNEL_PORT_NAME)
                .withGuestArg("prewarm", GuestImage.GUEST_CLAUDE);
        MachineSpec spec = MachineSpec.of(name, boot, Accel.TCG)
                .withMemoryMb(512)
                .withReady(MachineSpec.DEFAULT_READY, Duration.ofSeconds(180));
        return new Box(name, secret, hostname, macText, spec);
    }

    private static Connection connect(QemuMachine m, byte[] secret) throws Exception {
        var transport = UnixSocketTransport.connect(m.channelSocket(), Duration.ofSeconds(30));
        return Connection.connect(transport, secret, Duration.ofSeconds(60), b -> {});
    }

    private static String run(Connection c, String script) throws Exception {
        StringBuilder out = new StringBuilder();
        var exit = c.exec(
                        List.of("/bin/sh", "-c", script),
                        Map.of(),
                        "/",
                        Duration.ofSeconds(60),
                        GuestImage.GUEST_USER,
                        (stream, chunk) -> {
                            synchronized (out) {
                                out.append(new String(chunk, StandardCharsets.UTF_8));
                            }
                        })
                .exit()
                .get();
        assertThat(exit.exitCode()).as("%s: %s", script, out).isZero();
        return out.toString();
    }

    /** A non-loopback IPv4 address of this host (QEMU's user network reaches it), if any. */
    private static Optional<InetAddress> hostAddress() throws IOException {
        return NetworkInterface.networkInterfaces()
                .flatMap(NetworkInterface::inetAddresses)
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress())
                .findFirst();
    }

    @Test
    void siblingsRestoredFromOneSnapshotHaveTheirOwnSecretHostnameMacAndACurrentClock(
            VmSandboxProvider vm, @TempDir Path dir) throws Exception {
        GuestImage image = vm.image();
        VmLauncher launcher = VmLauncher.system();
        Snapshots snapshots = new Snapshots(dir);
        Box a = box(image, "snap-a");
        Box b = box(image, "snap-b");
        Box c = box(image, "snap-c");
        String key = launcher.snapshotKey(a.spec());
        assertThat(launcher.snapshotKey(b.spec()))
                .as("per-box values are not part of the machine's shape")
                .isEqualTo(key);
        ConsoleListener console = (s, l) -> lines.add(l);
        try (QemuMachine ma = launcher.boot(a.spec(), console)) {
            assertThat(snapshots.save(key, ma, "test")).isPresent();
            // the saved machine goes on with its own Hello
            try (Connection ca = connect(ma, a.secret())) {
                assertThat(ca.peer().hostname()).isEqualTo(a.hostname());
            }
        }
        Path state = dir.resolve(key).resolve(Snapshots.STATE);
        assertThat(Files.getPosixFilePermissions(state)).hasToString("[OWNER_READ, OWNER_WRITE]");
        Thread.sleep(3000); // the snapshot's clock falls behind the host's
        try (QemuMachine mb = launcher.restore(b.spec(), console, snapshots, key);
                QemuMachine mc = launcher.restore(c.spec(), console, snapshots, key)) {
            assertThatThrownBy(() -> connect(mc, b.secret()))
                    .as("a sibling's secret")
                    .isInstanceOf(HandshakeException.class)
                    .hasMessageContaining("bad secret");
            try (Connection cb = connect(mb, b.secret());
                    Connection cc = connect(mc, c.secret())) {
                String script = "hostname; cat /sys/class/net/eth0/address; date +%s";
                List<String> ob = run(cb, script).lines().toList();
                long host = System.currentTimeMillis() / 1000;
                List<String> oc = run(cc, script).lines().toList();
                assertThat(ob.subList(0, 2)).containsExactly(b.hostname(), b.mac());
                assertThat(oc.subList(0, 2)).containsExactly(c.hostname(), c.mac());
                assertThat(cb.peer().hostname()).isEqualTo(b.hostname());
                assertThat(Long.parseLong(ob.get(2))).isCloseTo(host, within(3L));
                assertThat(Long.parseLong(oc.get(2))).isCloseTo(host, within(3L));
                assertThat(run(cb, "ls -A /workspace"))
                        .as("workspace of a restored box")
                        .isEmpty();
                // the NIC works with its new address: both reach a host service through QEMU's user network
                Optional<InetAddress> hostIp = hostAddress();
                if (hostIp.isPresent()) {
                    try (ServerSocket server = new ServerSocket(0, 10, hostIp.get())) {
                        Thread.ofVirtual().start(() -> {
                            while (!server.isClosed()) {
                                try (Socket s = server.accept()) {
                                    s.getOutputStream().write("hello\n".getBytes(StandardCharsets.UTF_8));
                                } catch (IOException e) {
                                    return;
                                }
                            }
                        });
                        String probe = "timeout 15 bash -c 'exec 3<>/dev/tcp/"
                                + hostIp.get().getHostAddress() + "/" + server.getLocalPort() + " && head -n1 <&3'";
                        assertThat(run(cb, probe)).isEqualTo("hello\n");
                        assertThat(run(cc, probe)).isEqualTo("hello\n");
                    }
                }
            }
        }
        System.out.println("[vm-test] console: "
                + String.join(
                        " | ",
                        lines.stream()
                                .filter(l -> l.contains("box identity") || l.contains("prewarm"))
                                .toList()));
    }
}
