package io.voidbox.protocol;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the host and the guest agent say to each other over one channel. Every message
 * carries a {@code requestId} so that exec streams, file operations and telemetry share one
 * connection: a reply ({@link Ok}, {@link Error}, {@link FileData}, {@link FileStat},
 * {@link HelloAck}, {@link HelloReject}, {@link ExecOutput}, {@link ExecExit}) carries the id of
 * its request. Unsolicited messages ({@link TelemetryBatchMessage}) use id 0.
 *
 * <p>Messages are immutable: the bytes they carry are {@link Bytes}, compared by content, and
 * {@code toString()} never prints secrets or contents, only their sizes. The wire layout of each
 * record is in {@code docs/protocol.md} and {@link FrameCodec}.
 */
public sealed interface Message {

    /** Version sent in {@link Hello}; the guest rejects any other. */
    int PROTOCOL_VERSION = 1;

    long requestId();

    /**
     * Host to guest, must be the first frame: proves the host knows the per-boot secret, and tells
     * the guest the host's wall clock ({@code hostEpochMillis}, 0: not sent), which a guest restored
     * from a snapshot sets its clock from.
     */
    record Hello(long requestId, int version, Bytes secret, long hostEpochMillis) implements Message {
        public Hello {
            Objects.requireNonNull(secret, "secret");
        }

        /** A Hello without the host clock. */
        public Hello(long requestId, int version, Bytes secret) {
            this(requestId, version, secret, 0);
        }
    }

    /** Guest accepted the handshake. {@code bootMillis}: guest uptime when the agent became ready. */
    record HelloAck(long requestId, int version, String kernel, String hostname, long bootMillis) implements Message {
        public HelloAck {
            Objects.requireNonNull(kernel, "kernel");
            Objects.requireNonNull(hostname, "hostname");
        }
    }

    /** Guest refused the handshake; the channel is closed right after. */
    record HelloReject(long requestId, String reason) implements Message {
        public HelloReject {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * Run a command. Answered by any number of {@link ExecOutput} and exactly one {@link ExecExit}.
     *
     * @param cwd       working directory, null for the guest's default
     * @param timeoutMs 0 or less: no timeout
     * @param user      user to run as, null or empty for the agent's own user (root in the VM)
     */
    record ExecRequest(
            long requestId, List<String> argv, Map<String, String> env, String cwd, long timeoutMs, String user)
            implements Message {
        public ExecRequest {
            argv = List.copyOf(argv);
            env = Map.copyOf(env);
        }
    }

    /** A chunk of output as it arrived (not line-aligned). */
    record ExecOutput(long requestId, int stream, Bytes chunk) implements Message {
        public static final int STDOUT = 1;
        public static final int STDERR = 2;

        public ExecOutput {
            if (stream != STDOUT && stream != STDERR)
                throw new IllegalArgumentException("stream must be 1 or 2, got " + stream);
            Objects.requireNonNull(chunk, "chunk");
        }
    }

    /**
     * How an exec ended. {@code exitCode} is the process's (128+signal when killed), -1 when it
     * never started; {@code error} is null on a normal exit, else why it was killed or failed.
     */
    record ExecExit(long requestId, int exitCode, boolean timedOut, String error) implements Message {
        /**
         * How {@code error} starts when the command's processes hit a limit of the box (the agent
         * cgroup's {@code memory.max} or {@code pids.max}) while it ran; {@code exitCode} is still
         * the command's.
         */
        public static final String RESOURCE_LIMIT = "resource limit: ";

        public boolean hitResourceLimit() {
            return error != null && error.startsWith(RESOURCE_LIMIT);
        }
    }

    /** Kill the whole process group of the exec with this id; answered by its {@link ExecExit}. */
    record Cancel(long requestId) implements Message {}

    /** Create or replace a file (parents are created); {@code mode} 0 means 0644. Answered by {@link Ok}. */
    record WriteFile(long requestId, String path, Bytes content, int mode) implements Message {
        public WriteFile {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(content, "content");
        }

        @Override
        public String toString() {
            return "WriteFile[requestId=" + requestId + ", path=" + path + ", content=" + content + ", mode=0"
                    + Integer.toOctalString(mode) + "]";
        }
    }

    /** Read a whole file; answered by {@link FileData} or {@link Error}. */
    record ReadFile(long requestId, String path) implements Message {
        public ReadFile {
            Objects.requireNonNull(path, "path");
        }
    }

    /** Content of a file read. */
    record FileData(long requestId, Bytes content) implements Message {
        public FileData {
            Objects.requireNonNull(content, "content");
        }
    }

    /** Ask whether a path exists (symlinks are not followed); answered by {@link FileStat}. */
    record StatFile(long requestId, String path) implements Message {
        public StatFile {
            Objects.requireNonNull(path, "path");
        }
    }

    /** Result of {@link StatFile}; size and directory are meaningless when it does not exist. */
    record FileStat(long requestId, boolean exists, long size, boolean directory) implements Message {}

    /** A request succeeded and has nothing else to say. */
    record Ok(long requestId) implements Message {}

    /** A request failed; {@code message} names the path/field at fault. */
    record Error(long requestId, String message) implements Message {
        public Error {
            Objects.requireNonNull(message, "message");
        }
    }

    /** Guest telemetry, sent unsolicited with id 0 at every interval after the handshake. */
    record TelemetryBatchMessage(long requestId, TelemetryBatch batch) implements Message {
        public TelemetryBatchMessage {
            Objects.requireNonNull(batch, "batch");
        }

        public TelemetryBatchMessage(TelemetryBatch batch) {
            this(0, batch);
        }
    }

    /** Stop serving: the guest kills running execs, answers {@link Ok} and exits (then /init powers off). */
    record Shutdown(long requestId) implements Message {}

    /**
     * Host to guest: listen on {@code address:port} inside the guest and tunnel every accepted
     * connection to the host ({@link TunnelOpen}); the host decides where it goes. This is how a box
     * without a route anywhere still reaches its model endpoint and the entries of its allow list.
     * A non-empty {@code name} is made to resolve to {@code address} inside the guest. Answered by
     * {@link Ok} once listening, or {@link Error}.
     */
    record TunnelListen(long requestId, String address, int port, String name) implements Message {
        public TunnelListen {
            Objects.requireNonNull(address, "address");
            Objects.requireNonNull(name, "name");
            if (port < 1 || port > 65535) throw new IllegalArgumentException("port must be 1..65535, got " + port);
        }
    }

    /**
     * Guest to host: a connection was accepted on the listener {@code listenId}; {@code requestId}
     * is the new stream's id, chosen by the guest (negative, so it never meets a host request id).
     * {@code destination} is the address the connection was made to inside the guest ("" when the
     * listener has one address): a range listener ({@code sandbox.allow} CIDR entry) accepts any
     * address of its range and the host checks and connects to exactly this one.
     */
    record TunnelOpen(long requestId, long listenId, String destination) implements Message {
        public TunnelOpen {
            Objects.requireNonNull(destination, "destination");
        }

        /** A connection whose destination the host already knows from the listener. */
        public TunnelOpen(long requestId, long listenId) {
            this(requestId, listenId, "");
        }
    }

    /** Bytes of tunnel stream {@code requestId}, in either direction. */
    record TunnelData(long requestId, Bytes chunk) implements Message {
        public TunnelData {
            Objects.requireNonNull(chunk, "chunk");
        }
    }

    /** The sender will write no more on tunnel stream {@code requestId} (end of stream, or it failed). */
    record TunnelClose(long requestId) implements Message {}

    /**
     * Guest to host, unsolicited (id 0): the guest kernel refused connection attempts that had no
     * listener (nothing allowed there), read by the guest agent (root) from the kernel log, which
     * code in the box cannot write. {@code count} attempts to the same destination since the last
     * report; {@code protocol} is {@code tcp} or {@code udp}.
     */
    record NetDenied(long requestId, String destination, int port, String protocol, int count) implements Message {
        public NetDenied {
            Objects.requireNonNull(destination, "destination");
            Objects.requireNonNull(protocol, "protocol");
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be 0..65535, got " + port);
            if (count < 1) throw new IllegalArgumentException("count must be positive, got " + count);
        }
    }

    /**
     * Guest to host: a program in the box looked up {@code name} (the guest's DNS responder asks
     * the host; the guest itself resolves nothing). The host answers {@link Ok} after it made the
     * name reachable (a {@link TunnelListen} naming it), or {@link Error} when no {@code
     * sandbox.allow} entry matches it. {@code requestId} is chosen by the guest (negative).
     */
    record ResolveName(long requestId, String name) implements Message {
        public ResolveName {
            Objects.requireNonNull(name, "name");
        }
    }
}
