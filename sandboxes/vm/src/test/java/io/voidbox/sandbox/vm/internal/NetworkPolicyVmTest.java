package io.voidbox.sandbox.vm.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.voidbox.SandboxOptions;
import io.voidbox.SandboxOptions.Network;
import io.voidbox.SandboxOptions.Network.Endpoint;
import io.voidbox.event.RunEvent;
import io.voidbox.sandbox.vm.VmSandboxProvider;
import io.voidbox.sandbox.vm.VmTestSupport.VmTest;
import io.voidbox.spi.BoxScope;
import io.voidbox.spi.Sandbox;
import io.voidbox.spi.SandboxRequest;
import io.voidbox.spi.support.AllowedTargets;
import io.voidbox.spi.support.ScriptRun;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The network policy attacked from inside a real VM: services on the host's loopback that the
 * spec did not allow are unreachable by every address the guest could try, an allowed one works
 * by its name {@code host} and by the gateway address.
 */
@VmTest
class NetworkPolicyVmTest {
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final List<RunEvent.NetDenied> denied = new CopyOnWriteArrayList<>();

    /** A host loopback service that answers its own name and counts who got through. */
    private static final class Service implements AutoCloseable {
        final ServerSocket server;
        final AtomicInteger accepted = new AtomicInteger();

        Service(String answer) throws IOException {
            server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept();
                            OutputStream out = s.getOutputStream()) {
                        accepted.incrementAndGet();
                        out.write((answer + "\n").getBytes(StandardCharsets.UTF_8));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    private SandboxRequest request(String name, Network network) {
        BoxScope scope = new BoxScope("test", "net-test", name, e -> {
            if (e instanceof RunEvent.Log log) lines.add(log.line());
            if (e instanceof RunEvent.NetDenied d) denied.add(d);
        });
        return new SandboxRequest(
                scope,
                new SandboxOptions(
                        SandboxOptions.Backend.VM,
                        SandboxOptions.Accel.TCG,
                        512,
                        1,
                        network,
                        Map.of(),
                        List.of(),
                        1000),
                b -> {});
    }

    /** Waits (bounded) until the guest's report of a refused attempt reached the host: it is sent every 250 ms. */
    private void awaitDenied(String destination, int port) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (denied.stream().noneMatch(d -> d.destination().equals(destination) && d.port() == port)
                && System.nanoTime() < end) Thread.sleep(50);
    }

    /** Tries each {@code HOST:PORT} from inside with bash's /dev/tcp; one line per target: what it read or FAIL. */
    private static String probe(Sandbox sb, List<String> targets) throws Exception {
        StringBuilder script = new StringBuilder();
        for (String t : targets) {
            String[] hp = t.split(":");
            script.append("r=$(timeout 15 bash -c 'exec 3<>/dev/tcp/")
                    .append(hp[0])
                    .append('/')
                    .append(hp[1])
                    .append(" && head -n1 <&3' 2>/dev/null) && echo \"")
                    .append(t)
                    .append(" $r\" || echo \"")
                    .append(t)
                    .append(" FAIL\"\n");
        }
        return ScriptRun.sh(sb, Duration.ofSeconds(180), script.toString()).stdout();
    }

    @Test
    void restrictedBoxReachesOnlyTheAllowedHostPort(VmSandboxProvider vm) throws Exception {
        try (Service allowed = new Service("allowed-service");
                Service denied = new Service("denied-service")) {
            Network policy = new Network(Network.Mode.RESTRICTED, List.of(new Endpoint("host", allowed.port())));
            try (Sandbox sb = vm.start(request("restricted", policy))) {
                String out = probe(
                        sb,
                        List.of(
                                "host:" + allowed.port(),
                                "10.0.2.2:" + allowed.port(),
                                "10.0.2.2:" + denied.port(),
                                "10.0.2.1:" + denied.port(),
                                "127.0.0.1:" + denied.port(),
                                "1.1.1.1:80"));
                assertThat(out.lines())
                        .containsExactly(
                                "host:" + allowed.port() + " allowed-service",
                                "10.0.2.2:" + allowed.port() + " allowed-service",
                                "10.0.2.2:" + denied.port() + " FAIL",
                                "10.0.2.1:" + denied.port() + " FAIL",
                                "127.0.0.1:" + denied.port() + " FAIL",
                                "1.1.1.1:80 FAIL");
                awaitDenied("1.1.1.1", 80);
            }
            assertThat(denied.accepted).hasValue(0);
            assertThat(allowed.accepted).hasValue(2);
            // every refused attempt is a net.denied event, seen by the guest kernel (no listener
            // there); the guest's own loopback services (127.0.0.1) are not the policy's business
            assertThat(this.denied)
                    .extracting(RunEvent.NetDenied::destination, RunEvent.NetDenied::port, RunEvent.NetDenied::protocol)
                    .contains(
                            tuple("host", denied.port(), "tcp"),
                            tuple("10.0.2.1", denied.port(), "tcp"),
                            tuple("1.1.1.1", 80, "tcp"))
                    .doesNotContain(tuple("127.0.0.1", denied.port(), "tcp"))
                    .doesNotContain(tuple("host", allowed.port(), "tcp"));
            assertThat(this.denied).allSatisfy(d -> assertThat(d.reason()).isEqualTo("not_allowed"));
        }
    }

    @Test
    void wildcardNamesAndAddressRangesReachOnlyWhatTheyCover(VmSandboxProvider vm) throws Exception {
        System.setProperty(AllowedTargets.HOSTS_PROPERTY, "a.vbx.test=127.0.0.1");
        try (Service byName = new Service("by-name");
                Service byRange = new Service("by-range")) {
            Network policy = new Network(
                    Network.Mode.RESTRICTED,
                    List.of(
                            Endpoint.parse("*.vbx.test:" + byName.port()),
                            Endpoint.parse("127.0.0.0/30:" + byRange.port())));
            try (Sandbox sb = vm.start(request("wild", policy))) {
                String out = probe(
                        sb,
                        List.of(
                                "a.vbx.test:" + byName.port(),
                                "evil.example.org:" + byName.port(),
                                "127.0.0.1:" + byRange.port(),
                                "10.9.9.9:" + byRange.port()));
                assertThat(out.lines())
                        .containsExactly(
                                "a.vbx.test:" + byName.port() + " by-name",
                                "evil.example.org:" + byName.port() + " FAIL",
                                "127.0.0.1:" + byRange.port() + " by-range",
                                // the guest listener accepts on every address of the port; the host
                                // closes a connection outside the ranges at once: nothing is read
                                "10.9.9.9:" + byRange.port() + " ");
                awaitDenied("10.9.9.9", byRange.port());
            } finally {
                System.clearProperty(AllowedTargets.HOSTS_PROPERTY);
            }
            assertThat(byName.accepted).hasValue(1);
            assertThat(byRange.accepted).hasValue(1);
            assertThat(denied)
                    .extracting(RunEvent.NetDenied::destination, RunEvent.NetDenied::port, RunEvent.NetDenied::protocol)
                    .contains(tuple("evil.example.org", 0, "dns"), tuple("10.9.9.9", byRange.port(), "tcp"));
        }
    }

    @Test
    void openBoxStillNeverReachesTheHostLoopback(VmSandboxProvider vm) throws Exception {
        try (Service denied = new Service("denied-service")) {
            try (Sandbox sb = vm.start(request("open", new Network(Network.Mode.OPEN, List.of())))) {
                String out = probe(
                        sb, List.of("10.0.2.1:" + denied.port(), "10.0.2.2:" + denied.port(), "host:" + denied.port()));
                assertThat(out.lines())
                        .containsExactly(
                                "10.0.2.1:" + denied.port() + " FAIL",
                                "10.0.2.2:" + denied.port() + " FAIL",
                                "host:" + denied.port() + " FAIL");
                awaitDenied("host", denied.port());
            }
            assertThat(denied.accepted).hasValue(0);
            assertThat(this.denied)
                    .extracting(RunEvent.NetDenied::destination, RunEvent.NetDenied::port)
                    .contains(tuple("10.0.2.1", denied.port()), tuple("host", denied.port()));
        }
    }
}
