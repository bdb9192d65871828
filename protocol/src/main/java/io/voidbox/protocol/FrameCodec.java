package io.voidbox.protocol;

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
import io.voidbox.protocol.Message.NetDenied;
import io.voidbox.protocol.Message.Ok;
import io.voidbox.protocol.Message.ReadFile;
import io.voidbox.protocol.Message.ResolveName;
import io.voidbox.protocol.Message.Shutdown;
import io.voidbox.protocol.Message.StatFile;
import io.voidbox.protocol.Message.TelemetryBatchMessage;
import io.voidbox.protocol.Message.TunnelClose;
import io.voidbox.protocol.Message.TunnelData;
import io.voidbox.protocol.Message.TunnelListen;
import io.voidbox.protocol.Message.TunnelOpen;
import io.voidbox.protocol.Message.WriteFile;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Encodes and decodes frames {@code [u32 length BE][u8 type][i64 requestId][fields]}, where
 * {@code length} counts everything after itself. The peer is treated as hostile: the length is
 * checked against {@link #maxFrameBytes()} before anything is allocated, every inner length is
 * checked against the bytes left in the frame, UTF-8 is decoded strictly, and trailing bytes are
 * an error. Any violation is a {@link ProtocolException}. Stateless and thread-safe; callers
 * serialize writes to one stream themselves (see {@link Connection}).
 */
public final class FrameCodec {

    /** Default upper bound of {@code length}: 4 MiB. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;

    /** Smallest allowed maximum: enough for any control message. */
    public static final int MIN_MAX_FRAME_BYTES = 1024;

    /** Bytes of a frame that are not file content in {@link WriteFile}/{@link FileData}, besides the path. */
    public static final int FILE_FRAME_OVERHEAD = 1 + 8 + 4 + 4 + 4;

    static final byte HELLO = 1;
    static final byte HELLO_ACK = 2;
    static final byte HELLO_REJECT = 3;
    static final byte EXEC_REQUEST = 16;
    static final byte EXEC_OUTPUT = 17;
    static final byte EXEC_EXIT = 18;
    static final byte CANCEL = 19;
    static final byte WRITE_FILE = 32;
    static final byte READ_FILE = 33;
    static final byte FILE_DATA = 34;
    static final byte STAT_FILE = 35;
    static final byte FILE_STAT = 36;
    static final byte OK = 48;
    static final byte ERROR = 49;
    static final byte TELEMETRY = 64;
    static final byte SHUTDOWN = 80;
    static final byte TUNNEL_LISTEN = 112;
    static final byte TUNNEL_OPEN = 113;
    static final byte TUNNEL_DATA = 114;
    static final byte TUNNEL_CLOSE = 115;
    static final byte NET_DENIED = 116;
    static final byte RESOLVE_NAME = 117;

    private final int maxFrameBytes;

    public FrameCodec() {
        this(DEFAULT_MAX_FRAME_BYTES);
    }

    public FrameCodec(int maxFrameBytes) {
        if (maxFrameBytes < MIN_MAX_FRAME_BYTES) {
            throw new IllegalArgumentException(
                    "maxFrameBytes must be >= " + MIN_MAX_FRAME_BYTES + ", got " + maxFrameBytes);
        }
        this.maxFrameBytes = maxFrameBytes;
    }

    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /** Largest file content that fits one frame next to a path of {@code pathUtf8Bytes} bytes. */
    public int maxContentBytes(int pathUtf8Bytes) {
        return maxFrameBytes - FILE_FRAME_OVERHEAD - pathUtf8Bytes;
    }

    /** Writes one frame and flushes. Not synchronized: one writer at a time per stream. */
    public void write(Message message, OutputStream out) throws IOException {
        out.write(encode(message));
        out.flush();
    }

    /**
     * Reads one frame. Returns null when the stream ends cleanly before a frame starts; a stream
     * that ends inside a frame, or a bad frame, is a {@link ProtocolException}.
     */
    public Message read(InputStream in) throws IOException {
        byte[] header = in.readNBytes(4);
        if (header.length == 0) return null;
        if (header.length < 4)
            throw new ProtocolException("truncated frame header: got " + header.length + " of 4 bytes");
        long length = ByteBuffer.wrap(header).getInt() & 0xFFFF_FFFFL;
        if (length > maxFrameBytes) {
            throw new ProtocolException("frame length " + length + " exceeds maximum " + maxFrameBytes);
        }
        if (length < 9)
            throw new ProtocolException("frame length " + length + " is below the minimum of 9 (type + requestId)");
        byte[] body = in.readNBytes((int) length);
        if (body.length < length) {
            throw new ProtocolException("truncated frame: expected " + length + " bytes, got " + body.length);
        }
        return decode(body);
    }

    /** Encodes a whole frame including its length prefix. */
    public byte[] encode(Message message) throws ProtocolException {
        var bytes = new ByteArrayOutputStream(64);
        var out = new DataOutputStream(bytes);
        try {
            out.writeInt(0); // length placeholder
            out.writeByte(typeOf(message));
            out.writeLong(message.requestId());
            switch (message) {
                case Hello m -> {
                    out.writeInt(m.version());
                    writeBytes(out, m.secret().array());
                    // optional trailing field: a Hello without it is the original layout
                    if (m.hostEpochMillis() != 0) out.writeLong(m.hostEpochMillis());
                }
                case HelloAck m -> {
                    out.writeInt(m.version());
                    writeString(out, m.kernel());
                    writeString(out, m.hostname());
                    out.writeLong(m.bootMillis());
                }
                case HelloReject m -> writeString(out, m.reason());
                case ExecRequest m -> {
                    out.writeInt(m.argv().size());
                    for (String a : m.argv()) writeString(out, a);
                    out.writeInt(m.env().size());
                    for (var e : m.env().entrySet()) {
                        writeString(out, e.getKey());
                        writeString(out, e.getValue());
                    }
                    writeString(out, m.cwd());
                    out.writeLong(m.timeoutMs());
                    writeString(out, m.user());
                }
                case ExecOutput m -> {
                    out.writeByte(m.stream());
                    writeBytes(out, m.chunk().array());
                }
                case ExecExit m -> {
                    out.writeInt(m.exitCode());
                    out.writeBoolean(m.timedOut());
                    writeString(out, m.error());
                }
                case Cancel _ -> {}
                case WriteFile m -> {
                    writeString(out, m.path());
                    writeBytes(out, m.content().array());
                    out.writeInt(m.mode());
                }
                case ReadFile m -> writeString(out, m.path());
                case FileData m -> writeBytes(out, m.content().array());
                case StatFile m -> writeString(out, m.path());
                case FileStat m -> {
                    out.writeBoolean(m.exists());
                    out.writeLong(m.size());
                    out.writeBoolean(m.directory());
                }
                case Ok _ -> {}
                case Error m -> writeString(out, m.message());
                case TelemetryBatchMessage m -> writeTelemetry(out, m.batch());
                case Shutdown _ -> {}
                case TunnelListen m -> {
                    writeString(out, m.address());
                    out.writeInt(m.port());
                    writeString(out, m.name());
                }
                case TunnelOpen m -> {
                    out.writeLong(m.listenId());
                    if (!m.destination().isEmpty()) writeString(out, m.destination());
                }
                case TunnelData m -> writeBytes(out, m.chunk().array());
                case TunnelClose _ -> {}
                case NetDenied m -> {
                    writeString(out, m.destination());
                    out.writeInt(m.port());
                    writeString(out, m.protocol());
                    out.writeInt(m.count());
                }
                case ResolveName m -> writeString(out, m.name());
            }
        } catch (IOException e) {
            throw new IllegalStateException("in-memory stream failed", e);
        }
        byte[] frame = bytes.toByteArray();
        int length = frame.length - 4;
        if (length > maxFrameBytes) {
            throw new ProtocolException(message.getClass().getSimpleName() + " needs a frame of " + length
                    + " bytes, over the maximum of " + maxFrameBytes);
        }
        ByteBuffer.wrap(frame).putInt(0, length);
        return frame;
    }

    /** Decodes a frame body ({@code type, requestId, fields}) whose length was already checked. */
    public Message decode(byte[] body) throws ProtocolException {
        var in = new Reader(ByteBuffer.wrap(body));
        int type = in.u8("type");
        long id = in.i64("requestId");
        Message message;
        try {
            message = switch (type) {
                case HELLO ->
                    new Hello(
                            id,
                            in.i32("version"),
                            Bytes.wrap(in.bytes("secret")),
                            in.remaining() > 0 ? in.i64("hostEpochMillis") : 0);
                case HELLO_ACK ->
                    new HelloAck(
                            id, in.i32("version"), in.string("kernel"), in.string("hostname"), in.i64("bootMillis"));
                case HELLO_REJECT -> new HelloReject(id, in.string("reason"));
                case EXEC_REQUEST -> readExecRequest(id, in);
                case EXEC_OUTPUT -> new ExecOutput(id, in.u8("stream"), Bytes.wrap(in.bytes("chunk")));
                case EXEC_EXIT -> new ExecExit(id, in.i32("exitCode"), in.bool("timedOut"), in.optString("error"));
                case CANCEL -> new Cancel(id);
                case WRITE_FILE ->
                    new WriteFile(id, in.string("path"), Bytes.wrap(in.bytes("content")), in.i32("mode"));
                case READ_FILE -> new ReadFile(id, in.string("path"));
                case FILE_DATA -> new FileData(id, Bytes.wrap(in.bytes("content")));
                case STAT_FILE -> new StatFile(id, in.string("path"));
                case FILE_STAT -> new FileStat(id, in.bool("exists"), in.i64("size"), in.bool("directory"));
                case OK -> new Ok(id);
                case ERROR -> new Error(id, in.string("message"));
                case TELEMETRY -> new TelemetryBatchMessage(id, readTelemetry(in));
                case SHUTDOWN -> new Shutdown(id);
                case TUNNEL_LISTEN -> new TunnelListen(id, in.string("address"), in.i32("port"), in.string("name"));
                case TUNNEL_OPEN ->
                    new TunnelOpen(id, in.i64("listenId"), in.remaining() > 0 ? in.string("destination") : "");
                case TUNNEL_DATA -> new TunnelData(id, Bytes.wrap(in.bytes("chunk")));
                case TUNNEL_CLOSE -> new TunnelClose(id);
                case NET_DENIED ->
                    new NetDenied(id, in.string("destination"), in.i32("port"), in.string("protocol"), in.i32("count"));
                case RESOLVE_NAME -> new ResolveName(id, in.string("name"));
                default -> throw new ProtocolException("unknown frame type " + type);
            };
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ProtocolException("invalid frame of type " + type + ": " + e.getMessage(), e);
        }
        if (in.remaining() > 0) {
            throw new ProtocolException(in.remaining() + " trailing bytes after "
                    + message.getClass().getSimpleName());
        }
        return message;
    }

    private static ExecRequest readExecRequest(long id, Reader in) throws ProtocolException {
        int argc = in.count("argv", 4);
        List<String> argv = new ArrayList<>(argc);
        for (int i = 0; i < argc; i++) argv.add(in.string("argv[" + i + "]"));
        int envc = in.count("env", 8);
        Map<String, String> env = new LinkedHashMap<>();
        for (int i = 0; i < envc; i++) {
            String key = in.string("env key");
            if (env.put(key, in.string("env value of " + key)) != null)
                throw new ProtocolException("duplicate env key " + key);
        }
        return new ExecRequest(id, argv, env, in.optString("cwd"), in.i64("timeoutMs"), in.optString("user"));
    }

    private static TelemetryBatch readTelemetry(Reader in) throws ProtocolException {
        long seq = in.i64("seq");
        int n = in.count("samples", 8 + 8 + 8 + 8 + 4 + 4 + 4);
        List<TelemetryBatch.Sample> samples = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            long ts = in.i64("timestampMs");
            double cpu = in.f64("cpuPercent");
            long used = in.i64("memUsedBytes");
            long total = in.i64("memTotalBytes");
            int running = in.i32("procsRunning");
            int fds = in.i32("openFds");
            int p = in.count("topProcesses", 4 + 4 + 8 + 8);
            List<TelemetryBatch.ProcessSample> procs = new ArrayList<>(p);
            for (int j = 0; j < p; j++) {
                procs.add(new TelemetryBatch.ProcessSample(
                        in.i32("pid"), in.string("comm"), in.i64("rssBytes"), in.i64("cpuJiffies")));
            }
            samples.add(new TelemetryBatch.Sample(ts, cpu, used, total, running, fds, procs));
        }
        return new TelemetryBatch(seq, samples);
    }

    private static void writeTelemetry(DataOutputStream out, TelemetryBatch batch) throws IOException {
        out.writeLong(batch.seq());
        out.writeInt(batch.samples().size());
        for (var s : batch.samples()) {
            out.writeLong(s.timestampMs());
            out.writeDouble(s.cpuPercent());
            out.writeLong(s.memUsedBytes());
            out.writeLong(s.memTotalBytes());
            out.writeInt(s.procsRunning());
            out.writeInt(s.openFds());
            out.writeInt(s.topProcesses().size());
            for (var p : s.topProcesses()) {
                out.writeInt(p.pid());
                writeString(out, p.comm());
                out.writeLong(p.rssBytes());
                out.writeLong(p.cpuJiffies());
            }
        }
    }

    private static byte typeOf(Message m) {
        return switch (m) {
            case Hello _ -> HELLO;
            case HelloAck _ -> HELLO_ACK;
            case HelloReject _ -> HELLO_REJECT;
            case ExecRequest _ -> EXEC_REQUEST;
            case ExecOutput _ -> EXEC_OUTPUT;
            case ExecExit _ -> EXEC_EXIT;
            case Cancel _ -> CANCEL;
            case WriteFile _ -> WRITE_FILE;
            case ReadFile _ -> READ_FILE;
            case FileData _ -> FILE_DATA;
            case StatFile _ -> STAT_FILE;
            case FileStat _ -> FILE_STAT;
            case Ok _ -> OK;
            case Error _ -> ERROR;
            case TelemetryBatchMessage _ -> TELEMETRY;
            case Shutdown _ -> SHUTDOWN;
            case TunnelListen _ -> TUNNEL_LISTEN;
            case TunnelOpen _ -> TUNNEL_OPEN;
            case TunnelData _ -> TUNNEL_DATA;
            case TunnelClose _ -> TUNNEL_CLOSE;
            case NetDenied _ -> NET_DENIED;
            case ResolveName _ -> RESOLVE_NAME;
        };
    }

    /** Strings are {@code i32 length + UTF-8}; length -1 encodes null (only for optional fields). */
    private static void writeString(DataOutputStream out, String s) throws IOException {
        if (s == null) {
            out.writeInt(-1);
            return;
        }
        writeBytes(out, s.getBytes(StandardCharsets.UTF_8));
    }

    private static void writeBytes(DataOutputStream out, byte[] b) throws IOException {
        out.writeInt(b.length);
        out.write(b);
    }

    /** Bounds-checked reads over one frame body; every failure names the field. */
    private static final class Reader {
        private final ByteBuffer buf;

        Reader(ByteBuffer buf) {
            this.buf = buf;
        }

        int remaining() {
            return buf.remaining();
        }

        private void need(int n, String field) throws ProtocolException {
            if (buf.remaining() < n) {
                throw new ProtocolException(
                        "truncated payload: field " + field + " needs " + n + " bytes, " + buf.remaining() + " left");
            }
        }

        int u8(String field) throws ProtocolException {
            need(1, field);
            return buf.get() & 0xFF;
        }

        boolean bool(String field) throws ProtocolException {
            int b = u8(field);
            if (b > 1) throw new ProtocolException("field " + field + ": boolean byte must be 0 or 1, got " + b);
            return b == 1;
        }

        int i32(String field) throws ProtocolException {
            need(4, field);
            return buf.getInt();
        }

        long i64(String field) throws ProtocolException {
            need(8, field);
            return buf.getLong();
        }

        double f64(String field) throws ProtocolException {
            need(8, field);
            return buf.getDouble();
        }

        /** An element count, bounded so that {@code count * minElementBytes} fits in what is left. */
        int count(String field, int minElementBytes) throws ProtocolException {
            int n = i32(field + " count");
            if (n < 0 || (long) n * minElementBytes > buf.remaining()) {
                throw new ProtocolException(
                        "field " + field + ": count " + n + " does not fit the " + buf.remaining() + " bytes left");
            }
            return n;
        }

        byte[] bytes(String field) throws ProtocolException {
            int n = i32(field + " length");
            if (n < 0 || n > buf.remaining()) {
                throw new ProtocolException(
                        "field " + field + ": length " + n + " does not fit the " + buf.remaining() + " bytes left");
            }
            byte[] b = new byte[n];
            buf.get(b);
            return b;
        }

        String string(String field) throws ProtocolException {
            String s = optString(field);
            if (s == null) throw new ProtocolException("field " + field + " must not be null");
            return s;
        }

        String optString(String field) throws ProtocolException {
            need(4, field + " length");
            int n = buf.getInt(buf.position());
            if (n == -1) {
                buf.getInt();
                return null;
            }
            byte[] b = bytes(field);
            try {
                // a fresh decoder reports malformed input (the default action) instead of replacing it
                return StandardCharsets.UTF_8
                        .newDecoder()
                        .decode(ByteBuffer.wrap(b))
                        .toString();
            } catch (CharacterCodingException | BufferUnderflowException e) {
                throw new ProtocolException("field " + field + ": invalid UTF-8", e);
            }
        }
    }
}
