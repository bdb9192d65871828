package io.voidbox.guest;

import io.voidbox.protocol.FrameCodec;
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
 * Settings of the guest agent, normally from the kernel command line
 * ({@link #fromCmdline(Map)}); every path is injectable so tests can run the agent on the host.
 * Built with {@link #builder(byte[])} and validated in {@link Builder#build()}. {@link #toString()}
 * never shows the secret.
 */
public final class GuestConfig {
    /** Kernel command line keys understood by the agent. */
    public static final String KEY_SECRET = "voidbox.secret";

    public static final String KEY_PORT = "voidbox.port";
    public static final String KEY_TELEMETRY_MS = "voidbox.telemetry_ms";
    public static final String KEY_FILE_ROOTS = "voidbox.file_roots";
    public static final String KEY_USER_WRAPPER = "voidbox.user_wrapper";
    public static final String KEY_MAX_FRAME = "voidbox.max_frame";
    public static final String KEY_HIDE_CMDLINE = "voidbox.hide_cmdline";

    static final Set<String> KNOWN_KEYS = Set.of(
            KEY_SECRET, KEY_PORT, KEY_TELEMETRY_MS, KEY_FILE_ROOTS, KEY_USER_WRAPPER, KEY_MAX_FRAME, KEY_HIDE_CMDLINE);

    public static final long MIN_TELEMETRY_MS = 100;
    public static final int MIN_SECRET_BYTES = 16;

    private final byte[] secret;
    private final String port;
    private final List<Path> fileRoots;
    private final Path defaultCwd;
    private final Path procRoot;
    private final Path sysRoot;
    private final Path passwdFile;
    private final long telemetryIntervalMs;
    private final List<String> userWrapper;
    private final String setsidCommand;
    private final long drainGraceMs;
    private final int maxFrameBytes;
    private final boolean hideCmdline;

    private GuestConfig(Builder b) {
        this.secret = b.secret.clone();
        this.port = b.port;
        this.fileRoots = List.copyOf(b.fileRoots);
        this.defaultCwd = b.defaultCwd != null ? b.defaultCwd : fileRoots.getFirst();
        this.procRoot = b.procRoot;
        this.sysRoot = b.sysRoot;
        this.passwdFile = b.passwdFile;
        this.telemetryIntervalMs = b.telemetryIntervalMs;
        this.userWrapper = b.userWrapper == null ? null : List.copyOf(b.userWrapper);
        this.setsidCommand = b.setsidCommand;
        this.drainGraceMs = b.drainGraceMs;
        this.maxFrameBytes = b.maxFrameBytes;
        this.hideCmdline = b.hideCmdline;
    }

    public static Builder builder(byte[] secret) {
        return new Builder(secret);
    }

    /**
     * Reads the {@code voidbox.*} keys of a parsed kernel command line (see {@link KernelCmdline}).
     * Errors name the key but never echo the secret.
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
        var b = builder(secret);
        if (args.containsKey(KEY_PORT)) b.port(args.get(KEY_PORT));
        if (args.containsKey(KEY_TELEMETRY_MS)) b.telemetryIntervalMs(parseLong(args, KEY_TELEMETRY_MS));
        if (args.containsKey(KEY_FILE_ROOTS)) {
            b.fileRoots(splitNonEmpty(args.get(KEY_FILE_ROOTS), ":", KEY_FILE_ROOTS).stream()
                    .map(Path::of)
                    .toList());
        }
        if (args.containsKey(KEY_USER_WRAPPER))
            b.userWrapper(splitNonEmpty(args.get(KEY_USER_WRAPPER), ",", KEY_USER_WRAPPER));
        if (args.containsKey(KEY_MAX_FRAME))
            b.maxFrameBytes((int) Math.min(Integer.MAX_VALUE, parseLong(args, KEY_MAX_FRAME)));
        if (args.containsKey(KEY_HIDE_CMDLINE)) b.hideCmdline(!"0".equals(args.get(KEY_HIDE_CMDLINE)));
        Arrays.fill(secret, (byte) 0);
        return b.build();
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

    /** A copy; callers should clear it after use. */
    byte[] secret() {
        return secret.clone();
    }

    boolean secretMatches(byte[] candidate) {
        return MessageDigest.isEqual(secret, candidate);
    }

    public String port() {
        return port;
    }

    public List<Path> fileRoots() {
        return fileRoots;
    }

    public Path defaultCwd() {
        return defaultCwd;
    }

    public Path procRoot() {
        return procRoot;
    }

    public Path sysRoot() {
        return sysRoot;
    }

    public Path passwdFile() {
        return passwdFile;
    }

    public long telemetryIntervalMs() {
        return telemetryIntervalMs;
    }

    /** Argv prefix to switch users with placeholders {uid} {gid} {user} {home}; null: auto-detect. */
    public List<String> userWrapper() {
        return userWrapper;
    }

    /** Command that puts an exec in its own session/process group; empty: none. */
    public String setsidCommand() {
        return setsidCommand;
    }

    public long drainGraceMs() {
        return drainGraceMs;
    }

    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    public boolean hideCmdline() {
        return hideCmdline;
    }

    @Override
    public String toString() {
        return "GuestConfig[secret=<" + secret.length + " bytes>, port=" + port + ", fileRoots=" + fileRoots
                + ", telemetryIntervalMs=" + telemetryIntervalMs + ", userWrapper="
                + (userWrapper == null ? "auto" : userWrapper)
                + ", maxFrameBytes=" + maxFrameBytes + "]";
    }

    /** Mutable builder; {@link #build()} validates and names the bad field. */
    public static final class Builder {
        private final byte[] secret;
        private String port = "voidbox";
        private List<Path> fileRoots = List.of(Path.of("/workspace"), Path.of("/home/agent"));
        private Path defaultCwd;
        private Path procRoot = Path.of("/proc");
        private Path sysRoot = Path.of("/sys");
        private Path passwdFile = Path.of("/etc/passwd");
        private long telemetryIntervalMs = 1000;
        private List<String> userWrapper;
        private String setsidCommand = "setsid";
        private long drainGraceMs = 500;
        private int maxFrameBytes = FrameCodec.DEFAULT_MAX_FRAME_BYTES;
        private boolean hideCmdline = true;

        private Builder(byte[] secret) {
            this.secret = Objects.requireNonNull(secret, "secret").clone();
        }

        /** Port name (looked up under /dev/virtio-ports and /sys/class/virtio-ports) or a device path. */
        public Builder port(String port) {
            this.port = port;
            return this;
        }

        /** Directories file operations are confined to; relative paths resolve against the first. */
        public Builder fileRoots(List<Path> roots) {
            this.fileRoots = roots;
            return this;
        }

        /** Working directory of an exec without cwd; default: the first file root. */
        public Builder defaultCwd(Path cwd) {
            this.defaultCwd = cwd;
            return this;
        }

        public Builder procRoot(Path procRoot) {
            this.procRoot = procRoot;
            return this;
        }

        public Builder sysRoot(Path sysRoot) {
            this.sysRoot = sysRoot;
            return this;
        }

        public Builder passwdFile(Path passwdFile) {
            this.passwdFile = passwdFile;
            return this;
        }

        public Builder telemetryIntervalMs(long ms) {
            this.telemetryIntervalMs = ms;
            return this;
        }

        public Builder userWrapper(List<String> wrapper) {
            this.userWrapper = wrapper;
            return this;
        }

        public Builder setsidCommand(String command) {
            this.setsidCommand = command;
            return this;
        }

        /** How long output may keep flowing after the main process exited before the group is killed. */
        public Builder drainGraceMs(long ms) {
            this.drainGraceMs = ms;
            return this;
        }

        public Builder maxFrameBytes(int bytes) {
            this.maxFrameBytes = bytes;
            return this;
        }

        /** Bind-mount /dev/null over /proc/cmdline after reading it, so execs cannot read the secret. */
        public Builder hideCmdline(boolean hide) {
            this.hideCmdline = hide;
            return this;
        }

        public GuestConfig build() {
            if (secret.length < MIN_SECRET_BYTES) {
                throw new IllegalArgumentException(
                        KEY_SECRET + " must be at least " + MIN_SECRET_BYTES + " bytes, got " + secret.length);
            }
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
            if (userWrapper != null && userWrapper.isEmpty())
                throw new IllegalArgumentException(KEY_USER_WRAPPER + " must not be empty");
            if (maxFrameBytes < FrameCodec.MIN_MAX_FRAME_BYTES) {
                throw new IllegalArgumentException(
                        KEY_MAX_FRAME + " must be >= " + FrameCodec.MIN_MAX_FRAME_BYTES + ", got " + maxFrameBytes);
            }
            if (drainGraceMs < 0) throw new IllegalArgumentException("drainGraceMs must be >= 0, got " + drainGraceMs);
            Objects.requireNonNull(procRoot, "procRoot");
            Objects.requireNonNull(sysRoot, "sysRoot");
            Objects.requireNonNull(passwdFile, "passwdFile");
            Objects.requireNonNull(setsidCommand, "setsidCommand");
            return new GuestConfig(this);
        }
    }
}
