package io.voidbox.guest;

import io.voidbox.protocol.FrameCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Settings of the guest agent, normally from the kernel command line ({@link #fromCmdline(Map)});
 * every path is injectable so tests can run the agent on the host. Start from
 * {@link #defaults(byte[])}; every value is validated when it is made, and nothing shows the
 * secret (see {@link Secret}).
 *
 * @param secret              the per-boot channel secret
 * @param port                port name (looked up under /dev/virtio-ports and /sys/class/virtio-ports) or a
 *                            device path
 * @param fileRoots           directories file operations are confined to; relative paths resolve against the
 *                            first, which is also the working directory of an exec without cwd
 * @param telemetryIntervalMs how often the guest samples and sends telemetry
 * @param exec                how commands are started and drained
 * @param host                the guest system's files the agent reads
 * @param maxFrameBytes       largest frame the channel accepts
 * @param hideCmdline         bind-mount /dev/null over /proc/cmdline after reading it, so execs cannot read the
 *                            secret
 */
public record GuestConfig(
        Secret secret,
        String port,
        List<Path> fileRoots,
        long telemetryIntervalMs,
        Exec exec,
        Host host,
        int maxFrameBytes,
        boolean hideCmdline) {
    /** Kernel command line keys understood by the agent. */
    public static final String KEY_SECRET = "voidbox.secret";

    public static final String KEY_PORT = "voidbox.port";
    public static final String KEY_TELEMETRY_MS = "voidbox.telemetry_ms";
    public static final String KEY_FILE_ROOTS = "voidbox.file_roots";
    public static final String KEY_USER_WRAPPER = "voidbox.user_wrapper";
    public static final String KEY_MAX_FRAME = "voidbox.max_frame";
    public static final String KEY_HIDE_CMDLINE = "voidbox.hide_cmdline";
    /** Files and directories read into the page cache before the agent reports ready (snapshot point). */
    public static final String KEY_PREWARM = "voidbox.prewarm";
    /** Agent layers to mount: read by the image's {@code /init}, not by the agent. */
    static final String KEY_LAYERS = "voidbox.layers";
    /** Live mounts (9p shares) and the agent user's uid for them: read by the image's {@code /init}, not by the agent. */
    static final String KEY_SHARES = "voidbox.shares";

    static final String KEY_AGENT_UID = "voidbox.agent_uid";

    static final Set<String> KNOWN_KEYS = Set.of(
            KEY_SECRET,
            KEY_PORT,
            KEY_TELEMETRY_MS,
            KEY_FILE_ROOTS,
            KEY_USER_WRAPPER,
            KEY_MAX_FRAME,
            KEY_HIDE_CMDLINE,
            KEY_PREWARM,
            KEY_LAYERS,
            KEY_SHARES,
            KEY_AGENT_UID);

    public static final long MIN_TELEMETRY_MS = 100;
    public static final int MIN_SECRET_BYTES = 16;

    public GuestConfig {
        Objects.requireNonNull(secret, "secret");
        if (port == null || port.isBlank()) throw new IllegalArgumentException(KEY_PORT + " must not be empty");
        if (telemetryIntervalMs < MIN_TELEMETRY_MS) {
            throw new IllegalArgumentException(
                    KEY_TELEMETRY_MS + " must be >= " + MIN_TELEMETRY_MS + ", got " + telemetryIntervalMs);
        }
        if (fileRoots == null || fileRoots.isEmpty())
            throw new IllegalArgumentException(KEY_FILE_ROOTS + " must name at least one directory");
        for (Path root : fileRoots) {
            if (!root.isAbsolute())
                throw new IllegalArgumentException(KEY_FILE_ROOTS + ": root must be absolute, got " + root);
        }
        if (new LinkedHashSet<>(fileRoots).size() != fileRoots.size()) {
            throw new IllegalArgumentException(KEY_FILE_ROOTS + " has duplicates: " + fileRoots);
        }
        fileRoots = List.copyOf(fileRoots);
        if (maxFrameBytes < FrameCodec.MIN_MAX_FRAME_BYTES) {
            throw new IllegalArgumentException(
                    KEY_MAX_FRAME + " must be >= " + FrameCodec.MIN_MAX_FRAME_BYTES + ", got " + maxFrameBytes);
        }
        Objects.requireNonNull(exec, "exec");
        Objects.requireNonNull(host, "host");
    }

    /**
     * The channel secret. Compared in constant time; its bytes never leave it and {@link #toString()}
     * shows only their count.
     */
    public static final class Secret {
        private byte[] bytes;
        private final Path file;

        /** Copies {@code bytes}; callers should clear theirs after use. */
        Secret(byte[] bytes) {
            this.bytes = check(Objects.requireNonNull(bytes, "secret").clone());
            this.file = null;
        }

        private Secret(Path file) {
            this.file = file;
        }

        /**
         * A secret read from {@code file} (hex) when it is first needed, not at boot: a guest saved
         * in a snapshot before its first Hello holds no secret, and each box restored from it reads
         * its own (QEMU gives every restored machine new {@code fw_cfg} files).
         */
        static Secret lazy(Path file) {
            return new Secret(Objects.requireNonNull(file, "file"));
        }

        private static byte[] check(byte[] b) {
            if (b.length < MIN_SECRET_BYTES) {
                throw new IllegalArgumentException(
                        KEY_SECRET + " must be at least " + MIN_SECRET_BYTES + " bytes, got " + b.length);
            }
            return b;
        }

        /** The secret's bytes, read from its file the first time. Errors never show the value. */
        private synchronized byte[] bytes() throws IOException {
            if (bytes == null) {
                String hex = Files.readString(file).trim();
                try {
                    bytes = check(HexFormat.of().parseHex(hex));
                } catch (IllegalArgumentException e) {
                    throw new IOException("the channel secret in " + file + " is not valid hex of at least "
                            + MIN_SECRET_BYTES + " bytes (value not shown)");
                }
            }
            return bytes;
        }

        /** Whether the secret was read (from its file, or given at once). */
        synchronized boolean loaded() {
            return bytes != null;
        }

        boolean matches(byte[] candidate) throws IOException {
            return MessageDigest.isEqual(bytes(), candidate);
        }

        @Override
        public synchronized String toString() {
            return bytes == null ? "<not read yet>" : "<" + bytes.length + " bytes>";
        }
    }

    /**
     * @param userWrapper   argv prefix to switch users with placeholders {uid} {gid} {user} {home}; null:
     *                      auto-detect
     * @param setsidCommand command that puts an exec in its own session/process group; empty: none
     * @param drainGraceMs  how long output may keep flowing after the main process exited before the group is
     *                      killed
     */
    public record Exec(List<String> userWrapper, String setsidCommand, long drainGraceMs) {
        public Exec {
            if (userWrapper != null && userWrapper.isEmpty())
                throw new IllegalArgumentException(KEY_USER_WRAPPER + " must not be empty");
            userWrapper = userWrapper == null ? null : List.copyOf(userWrapper);
            Objects.requireNonNull(setsidCommand, "setsidCommand");
            if (drainGraceMs < 0) throw new IllegalArgumentException("drainGraceMs must be >= 0, got " + drainGraceMs);
        }
    }

    /** Where the agent reads the guest system: {@code /proc}, {@code /sys} and the user database. */
    public record Host(Path procRoot, Path sysRoot, Path passwdFile) {
        public Host {
            Objects.requireNonNull(procRoot, "procRoot");
            Objects.requireNonNull(sysRoot, "sysRoot");
            Objects.requireNonNull(passwdFile, "passwdFile");
        }
    }

    /** Port {@code voidbox}, roots /workspace and /home/agent, telemetry every second, frames of the codec's default. */
    public static GuestConfig defaults(byte[] secret) {
        return new GuestConfig(
                new Secret(secret),
                "voidbox",
                List.of(Path.of("/workspace"), Path.of("/home/agent")),
                1000,
                new Exec(null, "setsid", 500),
                new Host(Path.of("/proc"), Path.of("/sys"), Path.of("/etc/passwd")),
                FrameCodec.DEFAULT_MAX_FRAME_BYTES,
                true);
    }

    /**
     * Reads the {@code voidbox.*} keys of a parsed kernel command line (see {@link KernelCmdline});
     * what is not there keeps its default. Errors name the key but never echo the secret.
     */
    public static GuestConfig fromCmdline(Map<String, String> args) {
        String hex = args.get(KEY_SECRET);
        if (hex == null || hex.isEmpty())
            throw new IllegalArgumentException("kernel cmdline: " + KEY_SECRET + " is missing");
        byte[] secret;
        try {
            secret = HexFormat.of().parseHex(hex);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "kernel cmdline: " + KEY_SECRET + " is not an even-length hex string (value not shown)");
        }
        try {
            return fromCmdline(args, new Secret(secret));
        } finally {
            Arrays.fill(secret, (byte) 0);
        }
    }

    /** As {@link #fromCmdline(Map)} with the secret given (read lazily from a file: {@link Secret#lazy}). */
    static GuestConfig fromCmdline(Map<String, String> args, Secret secret) {
        GuestConfig d = defaults(new byte[MIN_SECRET_BYTES]);
        Exec exec = d.exec();
        return new GuestConfig(
                secret,
                args.getOrDefault(KEY_PORT, d.port()),
                args.containsKey(KEY_FILE_ROOTS)
                        ? splitNonEmpty(args.get(KEY_FILE_ROOTS), ":", KEY_FILE_ROOTS).stream()
                                .map(Path::of)
                                .toList()
                        : d.fileRoots(),
                args.containsKey(KEY_TELEMETRY_MS) ? parseLong(args, KEY_TELEMETRY_MS) : d.telemetryIntervalMs(),
                args.containsKey(KEY_USER_WRAPPER)
                        ? new Exec(
                                splitNonEmpty(args.get(KEY_USER_WRAPPER), ",", KEY_USER_WRAPPER),
                                exec.setsidCommand(),
                                exec.drainGraceMs())
                        : exec,
                d.host(),
                args.containsKey(KEY_MAX_FRAME)
                        ? (int) Math.min(Integer.MAX_VALUE, parseLong(args, KEY_MAX_FRAME))
                        : d.maxFrameBytes(),
                args.containsKey(KEY_HIDE_CMDLINE) ? !"0".equals(args.get(KEY_HIDE_CMDLINE)) : d.hideCmdline());
    }

    private static long parseLong(Map<String, String> args, String key) {
        try {
            return Long.parseLong(args.get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "kernel cmdline: " + key + " must be an integer, got '" + args.get(key) + "'");
        }
    }

    private static List<String> splitNonEmpty(String value, String sep, String key) {
        var parts = Arrays.stream(value.split(Pattern.quote(sep)))
                .filter(s -> !s.isEmpty())
                .toList();
        if (parts.isEmpty()) throw new IllegalArgumentException("kernel cmdline: " + key + " is empty");
        return parts;
    }

    boolean secretMatches(byte[] candidate) throws IOException {
        return secret.matches(candidate);
    }

    /** Working directory of an exec without cwd: the first file root. */
    public Path defaultCwd() {
        return fileRoots.getFirst();
    }

    public GuestConfig withFileRoots(List<Path> roots) {
        return new GuestConfig(secret, port, roots, telemetryIntervalMs, exec, host, maxFrameBytes, hideCmdline);
    }

    public GuestConfig withTelemetryIntervalMs(long ms) {
        return new GuestConfig(secret, port, fileRoots, ms, exec, host, maxFrameBytes, hideCmdline);
    }

    public GuestConfig withDrainGraceMs(long ms) {
        Exec e = new Exec(exec.userWrapper(), exec.setsidCommand(), ms);
        return new GuestConfig(secret, port, fileRoots, telemetryIntervalMs, e, host, maxFrameBytes, hideCmdline);
    }
}
