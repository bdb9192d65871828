package io.voidbox.guest;

import io.voidbox.protocol.Connection;
import io.voidbox.protocol.DeviceTransport;
import io.voidbox.protocol.FrameCodec;
import io.voidbox.protocol.Message;
import io.voidbox.protocol.Message.Cancel;
import io.voidbox.protocol.Message.ExecRequest;
import io.voidbox.protocol.Message.Hello;
import io.voidbox.protocol.Message.HelloAck;
import io.voidbox.protocol.Message.HelloReject;
import io.voidbox.protocol.Message.Ok;
import io.voidbox.protocol.Message.ReadFile;
import io.voidbox.protocol.Message.Shutdown;
import io.voidbox.protocol.Message.StatFile;
import io.voidbox.protocol.Message.TunnelClose;
import io.voidbox.protocol.Message.TunnelData;
import io.voidbox.protocol.Message.TunnelListen;
import io.voidbox.protocol.Message.WriteFile;
import io.voidbox.protocol.ProtocolException;
import io.voidbox.protocol.Transport;
import io.voidbox.protocol.UnixSocketTransport;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The agent inside each micro-VM: started by {@code /init} as root after the mounts, it reads
 * its per-boot secret and settings from the kernel command line, waits for the host on the
 * virtio-serial port, checks the host's {@link Hello}, then serves exec, file and shutdown
 * requests concurrently and streams telemetry. It logs concise lines to stderr (the console) and
 * never logs or writes the secret. After {@link Shutdown} it exits and {@code /init} powers off.
 *
 * <p>Usage: {@code GuestAgent [--cmdline FILE] [--stdio | --unix-listen PATH | --unix-connect PATH] | --train};
 * without a transport option it serves the device named by {@code voidbox.port}. {@code --train}
 * runs one in-process {@link Training} round and exits (the image builder records the agent's JDK
 * AOT cache with it).
 */
public final class GuestAgent {

    /** How one host connection ended. */
    public enum Outcome {
        /** The host asked to shut down; the agent should exit. */
        SHUTDOWN,
        /** The host went away (or never came); wait for the next connection. */
        DISCONNECTED,
        /** The first frame was not a valid Hello with the right secret. */
        REJECTED
    }

    private final GuestConfig config;
    private final FrameCodec codec;
    private final String kernel;
    private volatile String hostname;
    private final long readyUptimeMs;
    private final AtomicBoolean identified = new AtomicBoolean();
    /** Reports refused connections from the kernel log (in the VM only; null elsewhere). */
    private volatile NetDenials netDenials;
    /** The box's DNS responder's port on {@value DnsResponder#ADDRESS} (in the VM: 53; 0: none). */
    private volatile int dnsPort;
    /** Unload {@code qemu_fw_cfg} once the first Hello read the secret (in the VM only). */
    private volatile boolean unloadFirmwareAtHello;

    public GuestAgent(GuestConfig config) {
        this.config = config;
        this.codec = new FrameCodec(config.maxFrameBytes());
        this.kernel = readFirstLine(config.host().procRoot().resolve("sys/kernel/osrelease"), "unknown");
        this.hostname = readFirstLine(config.host().procRoot().resolve("sys/kernel/hostname"), "unknown");
        long uptime = 0;
        try {
            uptime = (long)
                    (Double.parseDouble(readFirstLine(config.host().procRoot().resolve("uptime"), "0")
                                    .split("\\s+")[0])
                            * 1000);
        } catch (NumberFormatException e) {
            // unknown uptime stays 0
        }
        this.readyUptimeMs = uptime;
    }

    public GuestConfig config() {
        return config;
    }

    /**
     * Serves one host connection until it ends: handshake, then requests. Takes ownership of the
     * transport and closes it before returning. Kills every exec still running at the end.
     */
    public Outcome serve(Transport transport) {
        Message first;
        try {
            first = codec.read(transport.input());
        } catch (IOException e) {
            return handshakeFailed(transport, e);
        }
        if (first == null) {
            closeQuietly(transport);
            return Outcome.DISCONNECTED;
        }
        return serve(transport, first);
    }

    private static Outcome handshakeFailed(Transport transport, IOException e) {
        Log.warn("handshake on " + transport.description() + " failed: " + e.getMessage());
        closeQuietly(transport);
        return e instanceof ProtocolException ? Outcome.REJECTED : Outcome.DISCONNECTED;
    }

    /** As {@link #serve(Transport)} with the first frame already read. */
    private Outcome serve(Transport transport, Message first) {
        String reason = switch (first) {
            case Hello h
            when h.version() != Message.PROTOCOL_VERSION ->
                "unsupported protocol version " + h.version() + ", guest speaks " + Message.PROTOCOL_VERSION;
            case Hello h -> checkSecret(h);
            default ->
                "expected Hello as the first frame, got " + first.getClass().getSimpleName();
        };
        if (reason == null && identified.compareAndSet(false, true)) onFirstHello((Hello) first);
        try {
            if (reason != null) {
                Log.warn("handshake on " + transport.description() + " rejected: " + reason);
                codec.write(new HelloReject(first.requestId(), reason), transport.output());
                closeQuietly(transport);
                return Outcome.REJECTED;
            }
            codec.write(
                    new HelloAck(first.requestId(), Message.PROTOCOL_VERSION, kernel, hostname, readyUptimeMs),
                    transport.output());
        } catch (IOException e) {
            Log.warn("handshake reply on " + transport.description() + " failed: " + e.getMessage());
            closeQuietly(transport);
            return Outcome.DISCONNECTED;
        }
        Log.info("host connected on " + transport.description());

        var session = new Session();
        Connection connection = Connection.open(transport, codec, session::onMessage);
        if (netDenials != null) netDenials.connect(connection);
        DnsResponder dns = dnsPort > 0
                ? new DnsResponder(name -> session.tunnels.resolve(name, connection))
                        .start(DnsResponder.ADDRESS, dnsPort)
                : null;
        try (var telemetry = new TelemetryLoop(
                        new ProcSampler(config.host().procRoot()), config.telemetryIntervalMs(), connection)
                .start()) {
            try {
                connection.closed().join();
            } catch (CompletionException e) {
                Log.warn("connection " + transport.description() + " lost: "
                        + e.getCause().getMessage());
            }
        } finally {
            session.execs.cancelAll(3000);
            if (netDenials != null) netDenials.connect(null);
            if (dns != null) dns.close();
            session.tunnels.close();
            connection.close();
        }
        if (session.shutdown.get()) {
            Log.info("shutdown requested by host");
            return Outcome.SHUTDOWN;
        }
        Log.info("host disconnected from " + transport.description());
        return Outcome.DISCONNECTED;
    }

    /** Null when the Hello carries the secret; else why not. The secret is read at the first Hello, not at boot. */
    private String checkSecret(Hello h) {
        try {
            return config.secretMatches(h.secret().toArray()) ? null : "bad secret";
        } catch (IOException e) {
            Log.warn(e.getMessage());
            return "the guest cannot read its channel secret";
        }
    }

    /**
     * The first accepted Hello makes this guest its box: hostname, NIC address, entropy and clock
     * (see {@link BoxIdentity}); then the firmware files, secret included, are unloaded.
     */
    private void onFirstHello(Hello h) {
        BoxIdentity.apply(config.host().sysRoot(), config.host().procRoot(), h.hostEpochMillis());
        if (unloadFirmwareAtHello) unloadFirmwareFiles();
        hostname = readFirstLine(config.host().procRoot().resolve("sys/kernel/hostname"), hostname);
    }

    /** Request handling of one connection. Callbacks come from the reader thread; work goes to virtual threads. */
    private final class Session {
        final ExecRunner execs = new ExecRunner(config);
        final FileService files = new FileService(config.fileRoots(), config.maxFrameBytes());
        final AtomicBoolean shutdown = new AtomicBoolean();
        final TunnelListeners tunnels =
                new TunnelListeners(config.host().passwdFile().resolveSibling("hosts"));

        void onMessage(Connection c, Message m) {
            switch (m) {
                case ExecRequest r -> execs.start(r, c);
                case Cancel x -> Thread.ofVirtual().start(() -> execs.cancel(x.requestId()));
                case WriteFile _, ReadFile _, StatFile _ -> Thread.ofVirtual().start(() -> reply(c, files.handle(m)));
                case TunnelListen l -> Thread.ofVirtual().start(() -> reply(c, tunnels.listen(l, c)));
                case TunnelData _, TunnelClose _ -> tunnels.onMessage(m);
                case Shutdown s ->
                    Thread.ofVirtual().start(() -> {
                        shutdown.set(true);
                        execs.cancelAll(3000);
                        if (netDenials != null) netDenials.flush();
                        reply(c, new Ok(s.requestId()));
                        c.close();
                    });
                case Hello h ->
                    reply(
                            c,
                            new Message.Error(
                                    h.requestId(), "already connected: Hello is only valid as the first frame"));
                default ->
                    reply(
                            c,
                            new Message.Error(
                                    m.requestId(),
                                    "guest does not accept " + m.getClass().getSimpleName()));
            }
        }

        private void reply(Connection c, Message m) {
            try {
                c.send(m);
            } catch (ProtocolException e) {
                // the reply itself cannot be encoded (too large): still answer the request
                reply(c, new Message.Error(m.requestId(), e.getMessage()));
            } catch (IOException e) {
                // the connection is gone; serve() notices through closed()
            }
        }
    }

    /** Serves the virtio-serial port until a host asks to shut down, reopening it after every disconnect. */
    public void serveDevice() throws InterruptedException {
        boolean waitingLogged = false;
        boolean closedLogged = false;
        while (true) {
            Path device = resolvePort(config.port(), config.host().sysRoot());
            if (device == null || !Files.exists(device)) {
                if (!waitingLogged) Log.warn("port '" + config.port() + "' not found (yet); retrying");
                waitingLogged = true;
                Thread.sleep(200);
                continue;
            }
            DeviceTransport transport;
            try {
                transport = DeviceTransport.open(device);
            } catch (IOException e) {
                if (!closedLogged) Log.warn(e.getMessage() + "; retrying");
                closedLogged = true;
                Thread.sleep(200);
                continue;
            }
            Outcome outcome;
            try {
                Message first = awaitFirstFrame(transport);
                outcome = serve(transport, first);
            } catch (IOException e) {
                outcome = handshakeFailed(transport, e);
            }
            if (outcome == Outcome.SHUTDOWN) return;
            Thread.sleep(outcome == Outcome.REJECTED ? 200 : 100);
        }
    }

    /**
     * Reads the first frame of the next host, keeping the port open while no host is connected:
     * a virtio port reads end-of-stream then, so this polls gently. The port must stay open:
     * closing it discards whatever QEMU already put in its buffer, and QEMU delivers the host's
     * Hello as soon as the port is open on this side, possibly before this side has seen the
     * host's "connected" event (the control message arrives asynchronously); a guest that closed
     * the port after such an end-of-stream lost the Hello and waited forever (seen on restored
     * snapshots under TCG, docs/snapshots.md).
     */
    private Message awaitFirstFrame(Transport transport) throws IOException, InterruptedException {
        while (true) {
            Message first = codec.read(transport.input());
            if (first != null) return first;
            Thread.sleep(100);
        }
    }

    /**
     * The device of a virtio-serial port: a path as is, else {@code /dev/virtio-ports/NAME}
     * (udev/mdev), else the {@code /dev/vportNpM} whose sysfs name matches (plain devtmpfs).
     */
    static Path resolvePort(String port, Path sysRoot) {
        if (port.startsWith("/")) return Path.of(port);
        Path byName = Path.of("/dev/virtio-ports", port);
        if (Files.exists(byName)) return byName;
        Path ports = sysRoot.resolve("class/virtio-ports");
        if (!Files.isDirectory(ports)) return null;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(ports)) {
            for (Path dir : dirs) {
                if (port.equals(readFirstLine(dir.resolve("name"), "")))
                    return Path.of("/dev", dir.getFileName().toString());
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    public static void main(String[] args) throws Exception {
        Path cmdlinePath = Path.of("/proc/cmdline");
        String mode = "device";
        String socketPath = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--cmdline" -> cmdlinePath = Path.of(value(args, ++i));
                case "--stdio" -> mode = "stdio";
                case "--train" -> {
                    long t0 = System.nanoTime();
                    try {
                        Training.run(Path.of(System.getProperty("java.io.tmpdir")), null);
                    } catch (IOException e) {
                        Log.warn(e.getMessage());
                        System.exit(1);
                    }
                    Log.info("training round done in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
                    System.exit(0);
                }
                case "--unix-listen" -> {
                    mode = "listen";
                    socketPath = value(args, ++i);
                }
                case "--unix-connect" -> {
                    mode = "connect";
                    socketPath = value(args, ++i);
                }
                default -> {
                    Log.warn(
                            "unknown argument " + args[i]
                                    + "; usage: GuestAgent [--cmdline FILE] [--stdio | --unix-listen PATH | --unix-connect PATH] | --train");
                    System.exit(2);
                }
            }
        }
        GuestConfig config;
        try {
            config = loadConfig(cmdlinePath, Path.of("/sys"));
        } catch (IOException | IllegalArgumentException e) {
            Log.warn(e.getMessage());
            System.exit(2);
            return;
        }
        String prewarm;
        try {
            prewarm = KernelCmdline.parse(Files.readString(cmdlinePath)).get(GuestConfig.KEY_PREWARM);
        } catch (IOException e) {
            prewarm = null;
        }
        var agent = new GuestAgent(config);
        if (config.hideCmdline() && cmdlinePath.equals(Path.of("/proc/cmdline"))) {
            hideProcCmdline();
            agent.unloadFirmwareAtHello = true;
            agent.netDenials = new NetDenials(Path.of("/dev/kmsg")).start();
            agent.dnsPort = 53;
        }
        if (prewarm != null) Prewarm.read(prewarm);
        Log.info("ready (" + agent.kernel + ", telemetry every " + config.telemetryIntervalMs() + " ms, transport "
                + mode + ")");
        switch (mode) {
            case "stdio" ->
                agent.serve(Transport.of(
                        new FileInputStream(FileDescriptor.in), new FileOutputStream(FileDescriptor.out), "stdio"));
            case "connect" -> agent.serve(UnixSocketTransport.connect(Path.of(socketPath)));
            case "listen" -> {
                try (var listener = UnixSocketTransport.listen(Path.of(socketPath))) {
                    while (agent.serve(listener.accept(Duration.ofDays(365))) != Outcome.SHUTDOWN) {
                        // next host
                    }
                }
            }
            default -> agent.serveDevice();
        }
        System.exit(0);
    }

    /** Where QEMU's {@code -fw_cfg name=opt/voidbox/secret} appears (module {@code qemu_fw_cfg}). */
    static final String FW_CFG_SECRET = "firmware/qemu_fw_cfg/by_name/opt/voidbox/secret/raw";

    /**
     * Reads the kernel command line and warns about unknown {@code voidbox.*} keys (names only).
     * The secret comes from the firmware file {@link #FW_CFG_SECRET} below {@code sysRoot} (root
     * only, off every command line), read at the first Hello, unless the command line names one
     * ({@code voidbox.secret}, tests and benchmarks).
     */
    static GuestConfig loadConfig(Path cmdlinePath, Path sysRoot) throws IOException {
        String cmdline;
        try {
            cmdline = Files.readString(cmdlinePath);
        } catch (IOException e) {
            throw new IOException("cannot read kernel command line " + cmdlinePath + ": " + e, e);
        }
        Map<String, String> args = new LinkedHashMap<>(KernelCmdline.parse(cmdline));
        for (String key : args.keySet()) {
            if (key.startsWith("voidbox.") && !GuestConfig.KNOWN_KEYS.contains(key))
                Log.warn("ignoring unknown kernel cmdline key " + key);
        }
        Path fwCfg = sysRoot.resolve(FW_CFG_SECRET);
        if (!args.containsKey(GuestConfig.KEY_SECRET) && Files.exists(fwCfg))
            return GuestConfig.fromCmdline(args, GuestConfig.Secret.lazy(fwCfg));
        return GuestConfig.fromCmdline(args);
    }

    /**
     * Best effort: unloads the fw_cfg driver once the secret is read, so nothing in the guest can
     * read it again. Done at the first Hello, not at boot, so that a snapshot taken before it still
     * has the driver, and each restored box reads its own secret.
     */
    private static void unloadFirmwareFiles() {
        if (!Files.exists(Path.of("/sys/firmware/qemu_fw_cfg"))
                || Executables.find("rmmod").isEmpty()) return;
        runBestEffort("rmmod qemu_fw_cfg", "rmmod", "qemu_fw_cfg");
    }

    /**
     * Best effort: later processes (the agent's execs) should not read the secret from
     * /proc/cmdline, nor from the kernel log ("Kernel command line: ...") via dmesg.
     */
    private static void hideProcCmdline() {
        try {
            Files.writeString(Path.of("/proc/sys/kernel/dmesg_restrict"), "1");
        } catch (IOException e) {
            Log.warn("cannot set kernel.dmesg_restrict: " + e.getMessage());
        }
        if (!"root".equals(System.getProperty("user.name"))
                || Executables.find("mount").isEmpty()) {
            Log.warn("cannot hide /proc/cmdline (needs root and mount); execs can read the channel secret");
            return;
        }
        runBestEffort("hiding /proc/cmdline", "mount", "--bind", "/dev/null", "/proc/cmdline");
    }

    /** Runs a short command of the guest's own setup (at most 5 s); a failure is only warned about, as {@code what}. */
    private static void runBestEffort(String what, String... argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) Log.warn(what + " failed: " + out);
        } catch (IOException e) {
            Log.warn(what + " failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            Log.warn("option " + args[i - 1] + " needs a value");
            System.exit(2);
        }
        return args[i];
    }

    private static String readFirstLine(Path file, String fallback) {
        try {
            String s = Files.readString(file).trim();
            int nl = s.indexOf('\n');
            return nl < 0 ? s : s.substring(0, nl);
        } catch (IOException | RuntimeException e) {
            return fallback;
        }
    }

    private static void closeQuietly(Transport t) {
        try {
            t.close();
        } catch (IOException e) {
            // nothing left to do
        }
    }
}
