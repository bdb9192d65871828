package io.voidbox.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.voidbox.protocol.FrameCodec;
import io.voidbox.protocol.HandshakeException;
import io.voidbox.protocol.Message;
import io.voidbox.protocol.PeerErrorException;
import io.voidbox.protocol.TelemetryBatch;
import io.voidbox.protocol.UnixSocketTransport;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Host {@code Connection} against the real agent over a Unix socket in a temp dir. */
@Timeout(60)
class GuestAgentTest {
    @TempDir
    Path dir;

    @Test
    void rejectsWrongSecret() throws Exception {
        try (var guest = new GuestHarness(dir)) {
            byte[] wrong = "0123456789abcdef-WRONG-secret".getBytes(StandardCharsets.US_ASCII);
            assertThatThrownBy(() -> guest.connect(wrong))
                    .isInstanceOf(HandshakeException.class)
                    .hasMessage("guest rejected handshake: bad secret");
            assertThat(guest.outcome()).isEqualTo(GuestAgent.Outcome.REJECTED);
        }
    }

    @Test
    void rejectsNonHelloFirstFrameAndClosesTheChannel() throws Exception {
        try (var guest = new GuestHarness(dir)) {
            var codec = new FrameCodec();
            try (var raw = UnixSocketTransport.connect(guest.listener.path())) {
                codec.write(new Message.ReadFile(7, "x"), raw.output());
                assertThat(codec.read(raw.input()))
                        .isEqualTo(new Message.HelloReject(7, "expected Hello as the first frame, got ReadFile"));
                assertThat(codec.read(raw.input()))
                        .as("guest closed the channel")
                        .isNull();
            }
            assertThat(guest.outcome()).isEqualTo(GuestAgent.Outcome.REJECTED);
        }
    }

    @Test
    void rejectsMalformedFirstFrame() throws Exception {
        try (var guest = new GuestHarness(dir)) {
            try (var raw = UnixSocketTransport.connect(guest.listener.path())) {
                raw.output().write(new byte[] {0x7f, 0, 0, 0, 1, 2, 3});
                raw.output().flush();
                // closed without a reply: end of stream, or a reset because our bytes were left unread
                try {
                    assertThat(raw.input().read()).isEqualTo(-1);
                } catch (SocketException reset) {
                    assertThat(reset).hasMessageContaining("reset");
                }
            }
            assertThat(guest.outcome()).isEqualTo(GuestAgent.Outcome.REJECTED);
        }
    }

    @Test
    void handshakeReportsGuestFactsAndShutdownEndsServing() throws Exception {
        try (var guest = new GuestHarness(dir)) {
            try (var host = guest.connect(GuestHarness.SECRET)) {
                assertThat(host.peer().version()).isEqualTo(Message.PROTOCOL_VERSION);
                assertThat(host.peer().kernel())
                        .isEqualTo(Files.readString(Path.of("/proc/sys/kernel/osrelease"))
                                .trim());
                assertThat(host.peer().bootMillis()).isPositive();
                host.shutdown().get(10, TimeUnit.SECONDS);
                host.closed().get(10, TimeUnit.SECONDS);
            }
            assertThat(guest.outcome()).isEqualTo(GuestAgent.Outcome.SHUTDOWN);
        }
    }

    @Test
    void streamsTelemetryBatchesEveryInterval() throws Exception {
        try (var guest = new GuestHarness(dir);
                var host = guest.connect(GuestHarness.SECRET)) {
            TelemetryBatch first = guest.telemetry.poll(5, TimeUnit.SECONDS);
            TelemetryBatch second = guest.telemetry.poll(5, TimeUnit.SECONDS);
            assertThat(first).isNotNull();
            assertThat(second).isNotNull();
            assertThat(second.seq()).isGreaterThan(first.seq());
            TelemetryBatch.Sample s = first.samples().getFirst();
            assertThat(s.memTotalBytes()).isPositive();
            assertThat(s.memUsedBytes()).isBetween(1L, s.memTotalBytes());
            assertThat(s.topProcesses()).isNotEmpty().hasSizeLessThanOrEqualTo(5);
            assertThat(s.cpuPercent()).isBetween(0.0, 100.0);
            host.close();
            assertThat(guest.outcome()).isEqualTo(GuestAgent.Outcome.DISCONNECTED);
        }
    }

    @Test
    void filesRoundTripThroughTheConnectionAndEscapesAreErrors() throws Exception {
        try (var guest = new GuestHarness(dir);
                var host = guest.connect(GuestHarness.SECRET)) {
            host.writeFile("notes/a.txt", "hello".getBytes(StandardCharsets.UTF_8), 0600)
                    .get(10, TimeUnit.SECONDS);
            assertThat(guest.workspace.resolve("notes/a.txt")).hasContent("hello");
            assertThat(new String(
                            host.readFile(guest.workspace + "/notes/a.txt").get(10, TimeUnit.SECONDS)))
                    .isEqualTo("hello");
            assertThat(host.stat("notes").get(10, TimeUnit.SECONDS).directory()).isTrue();
            assertThat(host.stat("missing/x").get(10, TimeUnit.SECONDS).exists())
                    .isFalse();
            assertThatThrownBy(() -> host.readFile("../agent.sock").get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(PeerErrorException.class)
                    .hasMessage("read ../agent.sock: '..' components are not allowed");
        }
    }
}
