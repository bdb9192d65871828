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
import io.voidbox.protocol.Message.Ok;
import io.voidbox.protocol.Message.ReadFile;
import io.voidbox.protocol.Message.Shutdown;
import io.voidbox.protocol.Message.StatFile;
import io.voidbox.protocol.Message.TelemetryBatchMessage;
import io.voidbox.protocol.Message.WriteFile;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * One host-guest channel with many requests in flight. A single reader (virtual) thread
 * demultiplexes incoming frames by {@code requestId}: replies complete the caller's future, exec
 * output goes to the exec's listener, everything else goes to the {@link Inbound} handler (the
 * guest's request handler, or the host's telemetry consumer). Writes are serialized by a lock.
 *
 * <p>Ownership: the connection owns its {@link Transport} and its reader thread. {@link #close()}
 * (or any read error, including a malformed frame) closes the transport and fails every pending
 * future and exec with the cause. Listener and inbound callbacks run on the reader thread, in
 * arrival order, and must not block for long (they hold up every other reply).
 *
 * <p>Host use: {@link #connect(Transport, byte[], Duration, Consumer)} performs the handshake, then
 * {@link #exec}, {@link #writeFile}, {@link #readFile}, {@link #stat}, {@link #shutdown}.
 * Guest use: after checking {@link Hello} itself, {@link #open(Transport, FrameCodec, Inbound)}.
 */
public final class Connection implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Connection.class.getName());

    /** Receives frames that are not replies to this side's own requests. Runs on the reader thread. */
    @FunctionalInterface
    public interface Inbound {
        void onMessage(Connection connection, Message message);
    }

    /** Output and end of one exec, called on the reader thread in arrival order. */
    public interface ExecListener {
        /** A chunk as it arrived; {@code stream} is {@link ExecOutput#STDOUT} or {@link ExecOutput#STDERR}. */
        void onOutput(int stream, byte[] chunk);

        /** Called once when the exec ended (before {@link ExecHandle#exit()} completes). */
        default void onExit(ExecExit exit) {}
    }

    /** A running exec on the peer. */
    public static final class ExecHandle {
        private final Connection connection;
        private final long requestId;
        private final CompletableFuture<ExecExit> exit = new CompletableFuture<>();

        private ExecHandle(Connection connection, long requestId) {
            this.connection = connection;
            this.requestId = requestId;
        }

        public long requestId() {
            return requestId;
        }

        /** Completes with the exit, or exceptionally when the connection is lost first. */
        public CompletableFuture<ExecExit> exit() {
            return exit;
        }

        /** Asks the guest to kill the whole process group; the exit still arrives through {@link #exit()}. */
        public void cancel() throws IOException {
            if (!exit.isDone()) connection.send(new Cancel(requestId));
        }
    }

    private record ExecStream(ExecHandle handle, ExecListener listener) {}

    private final Transport transport;
    private final FrameCodec codec;
    private final Inbound inbound;
    private final OutputStream out;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final Map<Long, CompletableFuture<Message>> pending = new ConcurrentHashMap<>();
    private final Map<Long, ExecStream> execs = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final CompletableFuture<Void> closed = new CompletableFuture<>();
    private volatile HelloAck peer;

    private Connection(Transport transport, FrameCodec codec, Inbound inbound) {
        this.transport = Objects.requireNonNull(transport, "transport");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.inbound = Objects.requireNonNull(inbound, "inbound");
        this.out = transport.output();
    }

    /** Wraps a transport and starts the reader thread. The connection now owns the transport. */
    public static Connection open(Transport transport, FrameCodec codec, Inbound inbound) {
        var c = new Connection(transport, codec, inbound);
        // a platform thread: it blocks in read() for the connection's life, which would pin a carrier
        // (on a 1-vCPU guest, the only one) if it were virtual
        Thread.ofPlatform()
                .daemon()
                .name("voidbox-reader " + transport.description())
                .start(c::readLoop);
        return c;
    }

    /**
     * Host side: opens the connection and performs the handshake. Throws
     * {@link HandshakeException} (and closes the transport) when the guest rejects the secret or
     * does not answer within {@code timeout}. Telemetry batches go to {@code telemetry} (may be
     * null), on the reader thread.
     */
    public static Connection connect(
            Transport transport, byte[] secret, Duration timeout, Consumer<TelemetryBatch> telemetry)
            throws IOException, InterruptedException {
        return connect(transport, new FrameCodec(), secret, timeout, telemetry);
    }

    /** As {@link #connect(Transport, byte[], Duration, Consumer)} with a given codec (frame limit). */
    public static Connection connect(
            Transport transport, FrameCodec codec, byte[] secret, Duration timeout, Consumer<TelemetryBatch> telemetry)
            throws IOException, InterruptedException {
        return connect(transport, codec, secret, timeout, telemetry, null);
    }

    /**
     * As {@link #connect(Transport, FrameCodec, byte[], Duration, Consumer)}; frames from the guest
     * that are neither replies nor telemetry (tunnel streams) go to {@code others} (may be null).
     */
    public static Connection connect(
            Transport transport,
            FrameCodec codec,
            byte[] secret,
            Duration timeout,
            Consumer<TelemetryBatch> telemetry,
            Inbound others)
            throws IOException, InterruptedException {
        Inbound in = (c, m) -> {
            if (m instanceof TelemetryBatchMessage t) {
                if (telemetry != null) telemetry.accept(t.batch());
            } else if (others != null) {
                others.onMessage(c, m);
            } else {
                LOG.log(System.Logger.Level.DEBUG, "ignoring unexpected " + m + " from " + transport.description());
            }
        };
        Connection c = open(transport, codec, in);
        try {
            Message reply = c.call(new Hello(
                            c.nextRequestId(), Message.PROTOCOL_VERSION, Bytes.of(secret), System.currentTimeMillis()))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            switch (reply) {
                case HelloAck ack -> c.peer = ack;
                case HelloReject r -> throw new HandshakeException("guest rejected handshake: " + r.reason());
                default ->
                    throw new HandshakeException(
                            "guest answered Hello with " + reply.getClass().getSimpleName());
            }
            return c;
        } catch (TimeoutException e) {
            c.close();
            throw new HandshakeException("no handshake answer from " + transport.description() + " within " + timeout);
        } catch (ExecutionException e) {
            c.close();
            throw e.getCause() instanceof IOException io
                    ? new HandshakeException(
                            "handshake with " + transport.description() + " failed: " + io.getMessage())
                    : new IOException("handshake failed", e.getCause());
        } catch (IOException | InterruptedException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** What the guest said in its {@link HelloAck}; null on a connection opened with {@link #open}. */
    public HelloAck peer() {
        return peer;
    }

    public long nextRequestId() {
        return ids.incrementAndGet();
    }

    /** Writes one frame (serialized with all other writers). */
    public void send(Message message) throws IOException {
        byte[] frame = codec.encode(message);
        writeLock.lock();
        try {
            if (closing.get()) throw new IOException("connection " + transport.description() + " is closed");
            out.write(frame);
            out.flush();
        } catch (IOException e) {
            closeWith(e, true);
            throw e;
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Sends a request and returns a future for the reply with the same id, whatever its type
     * ({@link Error} included). Fails when the connection is lost.
     */
    public CompletableFuture<Message> call(Message request) {
        var f = new CompletableFuture<Message>();
        if (pending.putIfAbsent(request.requestId(), f) != null) {
            return CompletableFuture.failedFuture(
                    new IllegalArgumentException("requestId " + request.requestId() + " is in use"));
        }
        try {
            send(request);
        } catch (IOException e) {
            pending.remove(request.requestId());
            f.completeExceptionally(e);
        }
        return f;
    }

    /** Runs a command on the guest, streaming its output to {@code listener}. {@code timeout} null: none. */
    public ExecHandle exec(
            List<String> argv,
            Map<String, String> env,
            String cwd,
            Duration timeout,
            String user,
            ExecListener listener) {
        long id = nextRequestId();
        var handle = new ExecHandle(this, id);
        execs.put(id, new ExecStream(handle, Objects.requireNonNull(listener, "listener")));
        try {
            send(new ExecRequest(id, argv, env, cwd, timeout == null ? 0 : timeout.toMillis(), user));
        } catch (IOException e) {
            execs.remove(id);
            handle.exit.completeExceptionally(e);
        }
        return handle;
    }

    /** Creates or replaces a file on the guest (mode 0: 0644). */
    public CompletableFuture<Void> writeFile(String path, byte[] content, int mode) {
        return call(new WriteFile(nextRequestId(), path, Bytes.of(content), mode))
                .thenApply(m -> expect(m, Ok.class, path))
                .thenApply(m -> null);
    }

    public CompletableFuture<byte[]> readFile(String path) {
        return call(new ReadFile(nextRequestId(), path))
                .thenApply(m -> expect(m, FileData.class, path).content().toArray());
    }

    public CompletableFuture<FileStat> stat(String path) {
        return call(new StatFile(nextRequestId(), path)).thenApply(m -> expect(m, FileStat.class, path));
    }

    /** Asks the guest to stop. The guest may close the channel right after its {@link Ok}. */
    public CompletableFuture<Void> shutdown() {
        return call(new Shutdown(nextRequestId()))
                .thenApply(m -> expect(m, Ok.class, "shutdown"))
                .thenApply(m -> null);
    }

    /**
     * Completes when the connection is closed locally or ended by the peer; completes
     * exceptionally with the cause when it broke (I/O error, malformed frame).
     */
    public CompletableFuture<Void> closed() {
        return closed;
    }

    public boolean isOpen() {
        return !closing.get();
    }

    /** Closes the transport and fails everything pending. Idempotent. */
    @Override
    public void close() {
        closeWith(null, false);
    }

    private static <T extends Message> T expect(Message m, Class<T> type, String what) {
        if (m instanceof Error e) throw new CompletionException(new PeerErrorException(e.message()));
        if (!type.isInstance(m)) {
            throw new CompletionException(new ProtocolException("expected " + type.getSimpleName() + " for " + what
                    + ", got " + m.getClass().getSimpleName()));
        }
        return type.cast(m);
    }

    private void readLoop() {
        IOException failure = null;
        try {
            Message m;
            while ((m = codec.read(transport.input())) != null) {
                try {
                    dispatch(m);
                } catch (RuntimeException e) {
                    // a failing callback must not take the channel down for everyone else
                    LOG.log(
                            System.Logger.Level.WARNING,
                            "handler for " + m + " on " + transport.description() + " failed",
                            e);
                }
            }
        } catch (IOException e) {
            failure = e;
            if (e instanceof ProtocolException) {
                LOG.log(System.Logger.Level.WARNING, "closing " + transport.description() + ": " + e.getMessage());
            }
        } catch (RuntimeException e) {
            failure = new IOException("reader of " + transport.description() + " failed: " + e, e);
            LOG.log(System.Logger.Level.WARNING, failure.getMessage(), e);
        }
        closeWith(failure, failure != null);
    }

    private void dispatch(Message m) {
        long id = m.requestId();
        switch (m) {
            case ExecOutput o -> {
                ExecStream s = execs.get(id);
                if (s != null) s.listener.onOutput(o.stream(), o.chunk().toArray());
                else inbound.onMessage(this, m);
            }
            case ExecExit x -> {
                ExecStream s = execs.remove(id);
                if (s != null) finishExec(s, x);
                else inbound.onMessage(this, m);
            }
            case Error e
            when execs.containsKey(id) -> finishExec(execs.remove(id), new ExecExit(id, -1, false, e.message()));
            case Ok _, Error _, FileData _, FileStat _, HelloAck _, HelloReject _ -> {
                CompletableFuture<Message> f = pending.remove(id);
                if (f != null) f.complete(m);
                else inbound.onMessage(this, m);
            }
            default -> inbound.onMessage(this, m);
        }
    }

    private static void finishExec(ExecStream s, ExecExit exit) {
        try {
            s.listener.onExit(exit);
        } finally {
            s.handle.exit.complete(exit);
        }
    }

    /** {@code error}: the connection broke (vs. closed locally or ended by the peer). */
    private void closeWith(IOException cause, boolean error) {
        if (!closing.compareAndSet(false, true)) return;
        try {
            transport.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing " + transport.description() + ": " + e.getMessage());
        }
        IOException failure = cause != null
                ? cause
                : new IOException("connection " + transport.description() + " closed before the reply");
        pending.values().forEach(f -> f.completeExceptionally(failure));
        pending.clear();
        execs.values().forEach(s -> s.handle.exit.completeExceptionally(failure));
        execs.clear();
        if (error) closed.completeExceptionally(failure);
        else closed.complete(null);
    }
}
