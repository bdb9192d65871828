package io.voidbox.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.voidbox.protocol.Message.ExecExit;
import io.voidbox.protocol.Message.ExecOutput;
import io.voidbox.protocol.Message.ExecRequest;
import io.voidbox.protocol.Message.FileData;
import io.voidbox.protocol.Message.Hello;
import io.voidbox.protocol.Message.HelloAck;
import io.voidbox.protocol.Message.HelloReject;
import io.voidbox.protocol.Message.ReadFile;
import io.voidbox.protocol.Message.TelemetryBatchMessage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Host-side {@link Connection} against a scripted peer over a real Unix socket pair. */
@Timeout(30)
class ConnectionTest {
    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    private UnixSocketTransport.Listener listener;
    private Transport guestSide;
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final FrameCodec codec = new FrameCodec();

    @BeforeEach
    void listen() throws IOException {
        listener = UnixSocketTransport.listen(dir.resolve("guest.sock"));
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (var c : toClose) c.close();
        if (guestSide != null) guestSide.close();
        listener.close();
        assertThat(dir.resolve("guest.sock")).doesNotExist();
    }

    /** Accepts the host, answers the Hello with {@code reply} (or ack), then serves with {@code inbound}. */
    private CompletableFuture<Connection> fakeGuest(boolean accept, Connection.Inbound inbound) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        guestSide = listener.accept(Duration.ofSeconds(10));
                        var hello = (Hello) codec.read(guestSide.input());
                        if (!accept) {
                            codec.write(new HelloReject(hello.requestId(), "bad secret"), guestSide.output());
                            guestSide.close();
                            return null;
                        }
                        codec.write(new HelloAck(hello.requestId(), 1, "6.1-test", "vb", 321), guestSide.output());
                        return Connection.open(guestSide, codec, inbound);
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                },
                r -> Thread.ofVirtual().start(r));
    }

    private Connection hostConnect(Consumer<TelemetryBatch> telemetry) throws Exception {
        var c = Connection.connect(
                UnixSocketTransport.connect(listener.path()), SECRET, Duration.ofSeconds(10), telemetry);
        toClose.add(c);
        return c;
    }

    @Test
    void handshakeExposesGuestFacts() throws Exception {
        fakeGuest(true, (c, m) -> {});
        var host = hostConnect(null);
        assertThat(host.peer()).isEqualTo(new HelloAck(host.peer().requestId(), 1, "6.1-test", "vb", 321));
        assertThat(host.isOpen()).isTrue();
    }

    @Test
    void rejectedHandshakeThrowsWithReasonAndCloses() {
        fakeGuest(false, null);
        assertThatThrownBy(() -> hostConnect(null))
                .isInstanceOf(HandshakeException.class)
                .hasMessage("guest rejected handshake: bad secret");
    }

    @Test
    void silentGuestTimesOutHandshake() throws Exception {
        var transport = UnixSocketTransport.connect(listener.path());
        guestSide = listener.accept(Duration.ofSeconds(5));
        assertThatThrownBy(() -> Connection.connect(transport, SECRET, Duration.ofMillis(200), null))
                .isInstanceOf(HandshakeException.class)
                .hasMessageContaining("no handshake answer");
    }

    @Test
    void demultiplexesExecStreamsRepliesAndTelemetry() throws Exception {
        fakeGuest(
                true,
                (c, m) -> Thread.ofVirtual().start(() -> {
                    try {
                        switch (m) {
                            case ExecRequest r -> {
                                c.send(new ExecOutput(
                                        r.requestId(),
                                        ExecOutput.STDOUT,
                                        Bytes.of(("out:" + r.argv().getFirst()).getBytes())));
                                c.send(new TelemetryBatchMessage(new TelemetryBatch(1, List.of())));
                                c.send(new ExecOutput(r.requestId(), ExecOutput.STDERR, Bytes.of("err".getBytes())));
                                c.send(new ExecExit(r.requestId(), 3, false, null));
                            }
                            case ReadFile r ->
                                c.send(new FileData(
                                        r.requestId(), Bytes.of(r.path().getBytes())));
                            default -> c.send(new Message.Error(m.requestId(), "unsupported"));
                        }
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                }));
        var batches = new LinkedBlockingQueue<TelemetryBatch>();
        var host = hostConnect(batches::add);

        var stdout = new ByteArrayOutputStream();
        var stderr = new ByteArrayOutputStream();
        var exec = host.exec(
                List.of("a"),
                Map.of(),
                null,
                Duration.ofSeconds(5),
                null,
                (stream, chunk) -> (stream == ExecOutput.STDOUT ? stdout : stderr).writeBytes(chunk));
        // Many concurrent requests on the same channel while the exec streams.
        var reads = new ArrayList<CompletableFuture<byte[]>>();
        for (int i = 0; i < 50; i++) reads.add(host.readFile("file-" + i));

        assertThat(exec.exit().get(5, TimeUnit.SECONDS)).isEqualTo(new ExecExit(exec.requestId(), 3, false, null));
        assertThat(stdout.toString()).isEqualTo("out:a");
        assertThat(stderr.toString()).isEqualTo("err");
        for (int i = 0; i < 50; i++)
            assertThat(new String(reads.get(i).get(5, TimeUnit.SECONDS))).isEqualTo("file-" + i);
        assertThat(batches.poll(5, TimeUnit.SECONDS)).isEqualTo(new TelemetryBatch(1, List.of()));
        assertThatThrownBy(() -> host.stat("x").get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(PeerErrorException.class)
                .hasMessage("unsupported");
    }

    @Test
    void failingCallbackDoesNotTakeTheChannelDown() throws Exception {
        fakeGuest(
                true,
                (c, m) -> Thread.ofVirtual().start(() -> {
                    try {
                        if (m instanceof ExecRequest r) {
                            c.send(new ExecOutput(r.requestId(), ExecOutput.STDOUT, Bytes.of("x".getBytes())));
                            c.send(new ExecExit(r.requestId(), 0, false, null));
                        } else {
                            c.send(new FileData(m.requestId(), Bytes.of(new byte[] {1})));
                        }
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                }));
        var host = hostConnect(null);
        var exec = host.exec(List.of("a"), Map.of(), null, null, null, (stream, chunk) -> {
            throw new IllegalStateException("listener bug");
        });
        assertThat(exec.exit().get(5, TimeUnit.SECONDS).exitCode()).isZero();
        assertThat(host.readFile("y").get(5, TimeUnit.SECONDS)).containsExactly(1);
        assertThat(host.isOpen()).isTrue();
    }

    @Test
    void malformedFrameFromPeerClosesConnectionAndFailsPending() throws Exception {
        var guest = fakeGuest(true, (c, m) -> {});
        var host = hostConnect(null);
        guest.get(5, TimeUnit.SECONDS);
        var pending = host.readFile("x");
        var exec = host.exec(List.of("sleep"), Map.of(), null, null, null, (s, b) -> {});
        // A frame claiming 1 GiB: the host must refuse it from the header alone.
        synchronized (guestSide) {
            guestSide.output().write(ByteBuffer.allocate(4).putInt(1 << 30).array());
            guestSide.output().flush();
        }
        assertThatThrownBy(() -> host.closed().get(5, TimeUnit.SECONDS))
                .cause()
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("exceeds maximum");
        assertThatThrownBy(() -> pending.get(5, TimeUnit.SECONDS)).cause().isInstanceOf(ProtocolException.class);
        assertThatThrownBy(() -> exec.exit().get(5, TimeUnit.SECONDS)).cause().isInstanceOf(ProtocolException.class);
        assertThat(host.isOpen()).isFalse();
        assertThatThrownBy(() -> host.send(new Message.Ok(1)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("closed");
    }

    @Test
    void peerClosingEndsConnectionCleanly() throws Exception {
        fakeGuest(true, (c, m) -> c.close()); // reads the request, then hangs up without answering
        var host = hostConnect(null);
        var pending = host.readFile("x");
        host.closed().get(5, TimeUnit.SECONDS);
        assertThatThrownBy(() -> pending.get(5, TimeUnit.SECONDS)).cause().isInstanceOf(IOException.class);
    }

    @Test
    void listenerAcceptTimesOut() throws IOException {
        assertThatThrownBy(() -> listener.accept(Duration.ofMillis(100)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("no connection");
        assertThat(Files.exists(listener.path())).isTrue();
    }
}
