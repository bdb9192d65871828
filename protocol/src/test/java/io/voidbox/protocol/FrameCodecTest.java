package io.voidbox.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.voidbox.protocol.Message.Cancel;
import io.voidbox.protocol.Message.Error;
import io.voidbox.protocol.Message.ExecExit;
import io.voidbox.protocol.Message.ExecOutput;
import io.voidbox.protocol.Message.ExecRequest;
import io.voidbox.protocol.Message.FileData;
import io.voidbox.protocol.Message.FileStat;
import io.voidbox.protocol.Message.Hello;
import io.voidbox.protocol.Message.HelloAck;
import io.voidbox.protocol.Message.HelloReject;
import io.voidbox.protocol.Message.Ok;
import io.voidbox.protocol.Message.ReadFile;
import io.voidbox.protocol.Message.Shutdown;
import io.voidbox.protocol.Message.StatFile;
import io.voidbox.protocol.Message.TelemetryBatchMessage;
import io.voidbox.protocol.Message.WriteFile;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class FrameCodecTest {
    private final FrameCodec codec = new FrameCodec();

    static Stream<Message> everyMessage() {
        var env = new LinkedHashMap<String, String>();
        env.put("PATH", "/usr/bin:/bin");
        env.put("GRÜSSE", "héllo ✓");
        var telemetry = new TelemetryBatch(
                7,
                List.of(
                        new TelemetryBatch.Sample(
                                1_700_000_000_000L,
                                12.5,
                                1L << 30,
                                4L << 30,
                                3,
                                120,
                                List.of(
                                        new TelemetryBatch.ProcessSample(42, "my (weird) proc", 1234567, 99),
                                        new TelemetryBatch.ProcessSample(1, "init", 4096, 0))),
                        new TelemetryBatch.Sample(1_700_000_001_000L, 0.0, 0, 0, 0, 0, List.of())));
        return Stream.of(
                new Hello(1, Message.PROTOCOL_VERSION, Bytes.of(new byte[] {1, 2, 3, (byte) 0xFF})),
                new Hello(1, Message.PROTOCOL_VERSION, Bytes.of(new byte[] {1, 2, 3}), 1_800_000_000_123L),
                new HelloAck(1, 1, "6.1.0-28-cloud-amd64", "voidbox", 1234),
                new HelloReject(1, "bad secret"),
                new ExecRequest(2, List.of("sh", "-c", "echo hi"), env, "/workspace", 30_000, "agent"),
                new ExecRequest(3, List.of("true"), Map.of(), null, 0, null),
                new ExecOutput(2, ExecOutput.STDOUT, Bytes.of("hi\n".getBytes(StandardCharsets.UTF_8))),
                new ExecOutput(2, ExecOutput.STDERR, Bytes.of(new byte[0])),
                new ExecExit(2, 0, false, null),
                new ExecExit(2, 137, true, "timed out after 500 ms"),
                new Cancel(2),
                new WriteFile(4, "/workspace/a.txt", Bytes.of(new byte[] {0, 1, 2}), 0755),
                new ReadFile(5, "notes/ü.md"),
                new FileData(5, Bytes.of(new byte[1000])),
                new StatFile(6, "x"),
                new FileStat(6, true, 42, false),
                new Ok(4),
                new Error(5, "no such file: notes/ü.md"),
                new TelemetryBatchMessage(telemetry),
                new Shutdown(Long.MAX_VALUE),
                new Message.TunnelListen(7, "10.0.2.2", 8080, ""),
                new Message.TunnelListen(8, "127.77.0.1", 443, "api.anthropic.com"),
                new Message.TunnelOpen(-1, 7),
                new Message.TunnelOpen(-2, 9, "10.1.2.3"),
                new Message.NetDenied(0, "10.0.2.2", 9999, "tcp", 3),
                new Message.ResolveName(-3, "a.vbx.test"),
                new Message.TunnelData(-1, Bytes.of("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.UTF_8))),
                new Message.TunnelClose(-1));
    }

    @ParameterizedTest
    @MethodSource("everyMessage")
    void roundTripsEveryMessage(Message message) throws IOException {
        var out = new ByteArrayOutputStream();
        codec.write(message, out);
        byte[] frame = out.toByteArray();
        assertThat(ByteBuffer.wrap(frame).getInt()).isEqualTo(frame.length - 4);

        var in = new ByteArrayInputStream(frame);
        assertThat(codec.read(in)).isEqualTo(message);
        assertThat(codec.read(in)).as("clean end of stream after the frame").isNull();
    }

    @Test
    void coversEveryMessageType() {
        var covered = everyMessage().map(Message::getClass).distinct().count();
        assertThat(covered).isEqualTo(Message.class.getPermittedSubclasses().length);
    }

    @Test
    void toStringNeverShowsSecretOrContent() {
        var hello = new Hello(1, 1, Bytes.of("s3cr3t-value".getBytes(StandardCharsets.UTF_8)));
        assertThat(hello.toString()).doesNotContain("s3cr3t").contains("12 bytes");
        assertThat(new WriteFile(1, "p", Bytes.of("TOKEN=abc".getBytes(StandardCharsets.UTF_8)), 0600).toString())
                .doesNotContain("TOKEN");
    }

    @Test
    void rejectsFrameOverMaximumSizeBeforeAllocating() {
        // A header announcing ~2 GiB followed by nothing: must fail on the length alone.
        byte[] header = ByteBuffer.allocate(4).putInt(Integer.MAX_VALUE).array();
        var countingStream = new CountingInputStream(new ByteArrayInputStream(header));
        assertThatThrownBy(() -> codec.read(countingStream))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("exceeds maximum " + FrameCodec.DEFAULT_MAX_FRAME_BYTES);
        assertThat(countingStream.read.get()).isEqualTo(4);

        byte[] unsigned = ByteBuffer.allocate(4).putInt(0xFFFF_FFFF).array();
        assertThatThrownBy(() -> codec.read(new ByteArrayInputStream(unsigned)))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("4294967295 exceeds maximum");
    }

    @Test
    void honoursConfiguredMaximumOnBothSides() throws IOException {
        var small = new FrameCodec(2048);
        var big = new WriteFile(1, "f", Bytes.of(new byte[4096]), 0);
        assertThatThrownBy(() -> small.encode(big))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("over the maximum of 2048");
        byte[] frame = codec.encode(big);
        assertThatThrownBy(() -> small.read(new ByteArrayInputStream(frame)))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("exceeds maximum 2048");
        var fits = new WriteFile(1, "f", Bytes.of(new byte[small.maxContentBytes(1)]), 0);
        assertThat(small.read(new ByteArrayInputStream(small.encode(fits)))).isEqualTo(fits);
        assertThatThrownBy(() -> new FrameCodec(10)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsUnknownType() {
        byte[] frame =
                ByteBuffer.allocate(4 + 9).putInt(9).put((byte) 99).putLong(1).array();
        assertThatThrownBy(() -> codec.read(new ByteArrayInputStream(frame)))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("unknown frame type 99");
    }

    @Test
    void rejectsTruncatedPayloadNamingTheField() {
        // ReadFile whose path claims 100 bytes but has 3.
        byte[] frame = ByteBuffer.allocate(4 + 9 + 4 + 3)
                .putInt(9 + 4 + 3)
                .put(FrameCodec.READ_FILE)
                .putLong(1)
                .putInt(100)
                .put(new byte[] {'a', 'b', 'c'})
                .array();
        assertThatThrownBy(() -> codec.read(new ByteArrayInputStream(frame)))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("field path")
                .hasMessageContaining("100");
    }

    @Test
    void rejectsInvalidUtf8() {
        byte[] frame = ByteBuffer.allocate(4 + 9 + 4 + 2)
                .putInt(9 + 4 + 2)
                .put(FrameCodec.ERROR)
                .putLong(1)
                .putInt(2)
                .put(new byte[] {(byte) 0xC3, (byte) 0x28})
                .array();
        assertThatThrownBy(() -> codec.read(new ByteArrayInputStream(frame)))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("field message: invalid UTF-8");
    }

    @Test
    void rejectsNullForRequiredStringAndTrailingBytes() throws IOException {
        byte[] nullPath = ByteBuffer.allocate(4 + 9 + 4)
                .putInt(9 + 4)
                .put(FrameCodec.STAT_FILE)
                .putLong(1)
                .putInt(-1)
                .array();
        assertThatThrownBy(() -> codec.read(new ByteArrayInputStream(nullPath)))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("field path must not be null");

        byte[] ok = codec.encode(new Ok(3));
        byte[] padded = Arrays.copyOf(ok, ok.length + 2);
        ByteBuffer.wrap(padded).putInt(0, ok.length - 4 + 2);
        assertThatThrownBy(() -> codec.read(new ByteArrayInputStream(padded)))
                .isInstanceOf(ProtocolException.class)
                .hasMessage("2 trailing bytes after Ok");
    }

    @Test
    void rejectsHugeElementCountsWithoutAllocating() {
        byte[] frame = ByteBuffer.allocate(4 + 9 + 4)
                .putInt(9 + 4)
                .put(FrameCodec.EXEC_REQUEST)
                .putLong(1)
                .putInt(Integer.MAX_VALUE)
                .array();
        assertThatThrownBy(() -> codec.read(new ByteArrayInputStream(frame)))
                .isInstanceOf(ProtocolException.class)
                .hasMessageContaining("field argv: count 2147483647 does not fit");
    }

    @Test
    void rejectsEveryTruncationOfEveryMessage() throws IOException {
        for (Message m : everyMessage().toList()) {
            byte[] frame = codec.encode(m);
            for (int cut = 1; cut < frame.length; cut++) {
                byte[] partial = Arrays.copyOf(frame, cut);
                assertThatThrownBy(() -> codec.read(new ByteArrayInputStream(partial)))
                        .as("%s cut at %d", m.getClass().getSimpleName(), cut)
                        .isInstanceOf(ProtocolException.class);
            }
        }
    }

    @Test
    @Timeout(60)
    void randomBytesOnlyEverFailWithProtocolException() {
        var random = new Random(20261125);
        var small = new FrameCodec(64 * 1024);
        var frames = everyMessage()
                .map(m -> {
                    try {
                        return small.encode(m);
                    } catch (ProtocolException e) {
                        throw new AssertionError(e);
                    }
                })
                .toList();
        int decoded = 0;
        for (int i = 0; i < 20_000; i++) {
            byte[] input;
            if (i % 2 == 0) {
                input = new byte[random.nextInt(64)];
                random.nextBytes(input);
                if (input.length >= 4 && random.nextBoolean())
                    ByteBuffer.wrap(input).putInt(0, input.length - 4);
            } else {
                // Mutate a valid frame: flip bytes, keep or break the length.
                input = frames.get(random.nextInt(frames.size())).clone();
                for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                    input[4 + random.nextInt(input.length - 4)] = (byte) random.nextInt(256);
                }
                if (random.nextInt(4) == 0) input = Arrays.copyOf(input, random.nextInt(input.length + 8));
            }
            var in = new ByteArrayInputStream(input);
            try {
                while (codec.read(in) != null) decoded++;
            } catch (ProtocolException | EOFException expected) {
                // the only acceptable failures
            } catch (Throwable t) {
                throw new AssertionError("input " + Arrays.toString(input) + " raised " + t, t);
            }
        }
        assertThat(decoded).as("some mutated frames are still valid").isPositive();
    }

    private static final class CountingInputStream extends InputStream {
        final InputStream in;
        final AtomicLong read = new AtomicLong();

        CountingInputStream(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) read.incrementAndGet();
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) read.addAndGet(n);
            return n;
        }
    }
}
