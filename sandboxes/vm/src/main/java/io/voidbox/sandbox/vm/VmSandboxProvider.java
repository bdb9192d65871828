package io.voidbox.sandbox.vm;

import io.voidbox.SandboxOptions;
import io.voidbox.protocol.Connection;
import io.voidbox.protocol.FrameCodec;
import io.voidbox.protocol.HandshakeException;
import io.voidbox.protocol.Transport;
import io.voidbox.protocol.UnixSocketTransport;
import io.voidbox.sandbox.vm.image.AgentLayer;
import io.voidbox.sandbox.vm.image.GuestImage;
import io.voidbox.sandbox.vm.image.GuestImageCache;
import io.voidbox.sandbox.vm.image.GuestImageConfig;
import io.voidbox.sandbox.vm.image.ShareKernel;
import io.voidbox.sandbox.vm.internal.Accel;
import io.voidbox.sandbox.vm.internal.BoxNetwork;
import io.voidbox.sandbox.vm.internal.ConsoleListener;
import io.voidbox.sandbox.vm.internal.MachineSpec;
import io.voidbox.sandbox.vm.internal.MachineSpec.Boot;
import io.voidbox.sandbox.vm.internal.QemuMachine;
import io.voidbox.sandbox.vm.internal.Snapshots;
import io.voidbox.sandbox.vm.internal.VmLauncher;
import io.voidbox.sandbox.vm.internal.VmSandbox;
import io.voidbox.spi.AgentPayload;
import io.voidbox.spi.Sandbox;
import io.voidbox.spi.SandboxEnvironment;
import io.voidbox.spi.SandboxException;
import io.voidbox.spi.SandboxProvider;
import io.voidbox.spi.SandboxRequest;
import io.voidbox.spi.support.SandboxUser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The micro-VM backend: one QEMU {@code -M microvm} guest per box, booted from the project's
 * guest image (built on first use and cached), reached over a virtio-serial channel that the
 * guest agent only serves after a per-boot secret handshake.
 */
public final class VmSandboxProvider implements SandboxProvider {
    private static final Duration CHANNEL_TIMEOUT = Duration.ofSeconds(30);
    /**
     * A restored guest is running already, but its first Hello took up to 11.4 s under TCG on a
     * loaded 2-core host (docs/snapshots.md, RestoreProbe); after three such waits it is cold-booted.
     */
    private static final Duration RESTORED_HELLO_TIMEOUT = Duration.ofSeconds(15);

    private static final int RESTORED_HELLO_ATTEMPTS = 3;

    private final Supplier<Path> claudeBinary;
    private final Consumer<String> progress;
    private final Supplier<GuestImageCache> caches;
    private final SecureRandom random = new SecureRandom();
    private VmLauncher launcher;
    private GuestImage image;
    private Optional<String> unavailable;
    private final Map<String, AgentLayer> layers = new HashMap<>();
    private final Snapshots snapshots;
    private ShareKernel shareKernel;
    private final AtomicBoolean coldNoticeShown = new AtomicBoolean();

    /**
     * @param claudeBinary the host's pinned Claude Code binary, copied into the image's root disk
     * @param progress     one-line progress messages (image build steps)
     */
    public VmSandboxProvider(Supplier<Path> claudeBinary, Consumer<String> progress) {
        this(claudeBinary, progress, GuestImageCache::defaults);
    }

    VmSandboxProvider(Supplier<Path> claudeBinary, Consumer<String> progress, Supplier<GuestImageCache> caches) {
        this(
                claudeBinary,
                progress,
                caches,
                VmSnapshots.enabled() ? VmSnapshots.defaults().dir() : null);
    }

    /**
     * As {@link #VmSandboxProvider(Supplier, Consumer)} with the snapshots in {@code snapshotDir}
     * instead of the default (null: no snapshots, every box boots cold): for benchmarks that
     * compare both.
     */
    public static VmSandboxProvider withSnapshotDir(
            Supplier<Path> claudeBinary, Consumer<String> progress, Path snapshotDir) {
        return new VmSandboxProvider(claudeBinary, progress, GuestImageCache::defaults, snapshotDir);
    }

    /** With snapshots in {@code snapshotDir} (null: no snapshots, every box boots). */
    VmSandboxProvider(
            Supplier<Path> claudeBinary,
            Consumer<String> progress,
            Supplier<GuestImageCache> caches,
            Path snapshotDir) {
        this.claudeBinary = claudeBinary;
        this.progress = progress;
        this.caches = caches;
        this.snapshots = snapshotDir == null ? null : new Snapshots(snapshotDir);
    }

    @Override
    public String backend() {
        return "vm";
    }

    /** Finds QEMU and builds (or reuses) the guest image, once; the reason when either fails. */
    @Override
    public synchronized Optional<String> unavailableReason() {
        if (unavailable == null) {
            try {
                launcher = VmLauncher.system();
                image = buildImage();
                unavailable = Optional.empty();
            } catch (SandboxException | IOException | RuntimeException e) {
                unavailable = Optional.of(e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.of("interrupted while preparing the guest image");
            }
        }
        return unavailable;
    }

    private GuestImage buildImage() throws IOException, InterruptedException {
        GuestImageCache cache = caches.get();
        Path jar = cache.packGuestAgent();
        GuestImageConfig config = GuestImageConfig.forAgent(List.of(jar), GuestImageConfig.DEFAULT_MAIN_CLASS)
                .withClaudeBinary(claudeBinary.get());
        return cache.build(config, progress);
    }

    /** The image boxes boot from (building it if needed). */
    public synchronized GuestImage image() throws SandboxException {
        Optional<String> why = unavailableReason();
        if (why.isPresent()) throw new SandboxException("micro-VMs cannot run here: " + why.get());
        return image;
    }

    /**
     * The layer of an agent's files ({@link SandboxRequest#payloads()}), built once per host and
     * payload content, looked up once per provider.
     */
    private synchronized AgentLayer layer(AgentPayload payload, GuestImage img, String box)
            throws SandboxException, InterruptedException {
        AgentLayer layer = layers.get(payload.name());
        if (layer != null) return layer;
        try {
            layer = caches.get().layer(payload, img.rootFsType(), progress);
        } catch (IOException | RuntimeException e) {
            throw new SandboxException(
                    "box " + box + ": cannot prepare the " + payload.name() + " layer of the guest image: "
                            + e.getMessage(),
                    e);
        }
        layers.put(payload.name(), layer);
        return layer;
    }

    /**
     * Saves the freshly booted {@code machine} as the snapshot of its shape (unless another box is
     * saving it); a failure costs a warning, never the box.
     */
    private void saveSnapshot(String key, QemuMachine machine, MachineSpec spec, GuestImage img, SandboxRequest request)
            throws InterruptedException {
        String description = "image " + img.id() + ", " + spec.memoryMb() + " MiB, " + spec.vcpus() + " vCPU, "
                + spec.accel().id() + ", network " + (spec.network() ? "open" : "none") + ", layers "
                + (spec.boot().layers().isEmpty()
                        ? "none"
                        : String.join(
                                "+",
                                spec.boot().layers().stream()
                                        .map(AgentLayer::name)
                                        .toList()));
        try {
            snapshots
                    .save(key, machine, description)
                    .ifPresent(d -> request.scope()
                            .line(
                                    "runtime",
                                    "snapshot " + key + " saved in " + d.toMillis() + " ms (" + description + ")"));
        } catch (IOException e) {
            request.scope()
                    .warning("box " + request.boxName() + ": cannot save a snapshot of the guest: " + e.getMessage());
        }
    }

    /** A hostname of the box: its name in hostname form, plus a random suffix so siblings of one name differ. */
    private String hostname(String box) {
        String base =
                box.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-").replaceAll("^-+|-+$", "");
        if (base.length() > 40) base = base.substring(0, 40);
        return "vbx-" + (base.isEmpty() ? "" : base + "-") + HexFormat.of().formatHex(randomBytes(2));
    }

    /** A random locally administered unicast MAC address. */
    private String mac() {
        byte[] b = randomBytes(6);
        b[0] = 0x02;
        return HexFormat.ofDelimiter(":").formatHex(b);
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    /** What the guest reads into its page cache before the snapshot point: Claude Code and the agent layers. */
    private static String prewarmPaths(List<AgentLayer> layers) {
        List<String> paths = new ArrayList<>(List.of(GuestImage.GUEST_CLAUDE));
        for (AgentLayer l : layers) paths.add("/opt/" + l.name());
        return String.join(":", paths);
    }

    @Override
    public Sandbox start(SandboxRequest request) throws SandboxException, InterruptedException {
        GuestImage img = image();
        List<AgentLayer> agentLayers = new ArrayList<>();
        for (AgentPayload p : request.payloads()) agentLayers.add(layer(p, img, request.boxName()));
        Accel accel = launcher.accelSelector()
                .select(
                        request.options().accel(),
                        img,
                        request.scope()::warning,
                        l -> request.scope().line("runtime", l));
        byte[] secret = new byte[32];
        random.nextBytes(secret);
        request.scope().secret(HexFormat.of().formatHex(secret));
        byte[] seed = new byte[32];
        random.nextBytes(seed);
        long t0 = System.nanoTime();
        request.scope().booting("vm", accel.id());
        Boot boot = Boot.of(img)
                .withSecret(HexFormat.of().formatHex(secret))
                .withBoxIdentity(
                        hostname(request.boxName()), mac(), HexFormat.of().formatHex(seed))
                .withGuestArg("port", GuestImage.CHANNEL_PORT_NAME)
                .withGuestArg("telemetry_ms", Long.toString(request.options().telemetryIntervalMs()));
        for (AgentLayer layer : agentLayers) boot = boot.withLayer(layer);
        boolean shared = !request.options().mounts().isEmpty();
        SandboxUser user = shared ? boxUser(request) : null;
        if (shared) boot = withShares(boot, img, request, user);
        if (snapshots != null && !shared) boot = boot.withGuestArg("prewarm", prewarmPaths(agentLayers));
        MachineSpec spec = MachineSpec.of(request.boxName(), boot, accel)
                .withMemoryMb(request.options().memoryMb())
                .withVcpus(request.options().vcpus())
                .withNetwork(request.options().network().mode() == SandboxOptions.Network.Mode.OPEN);
        ConsoleListener console = (stream, line) -> request.scope().line(stream, line);
        if (snapshots != null && shared && coldNoticeShown.compareAndSet(false, true))
            request.scope()
                    .line(
                            "runtime",
                            "boxes with mounts boot cold (no snapshot): their QEMU arguments name host directories");
        String key = snapshots == null || shared ? null : launcher.snapshotKey(spec);
        List<SandboxUser.Lease> leases = shared ? lend(request, user) : List.of();
        try {
            VmSandbox sandbox = startMachine(spec, console, key, secret, accel, t0, request, img);
            for (SandboxUser.Lease lease : leases) sandbox.holdUntilClosed(lease);
            return sandbox;
        } catch (SandboxException | InterruptedException | RuntimeException e) {
            giveBack(leases, request);
            throw e;
        }
    }

    /**
     * Boots (or restores) the machine and connects to its agent.
     */
    private VmSandbox startMachine(
            MachineSpec spec,
            ConsoleListener console,
            String key,
            byte[] secret,
            Accel accel,
            long t0,
            SandboxRequest request,
            GuestImage img)
            throws SandboxException, InterruptedException {
        if (key != null && snapshots.exists(key)) {
            // a restore that fails anywhere up to the Hello costs one warning and a cold boot
            try {
                long r0 = System.nanoTime();
                QemuMachine restored = launcher.restore(spec, console, snapshots, key);
                request.scope()
                        .line(
                                "runtime",
                                "snapshot " + key + " restored in " + (System.nanoTime() - r0) / 1_000_000
                                        + " ms (QEMU start, stream, load)");
                return connect(restored, secret, accel, t0, request, true);
            } catch (SandboxException e) {
                if (Thread.currentThread().isInterrupted())
                    throw new InterruptedException("interrupted while restoring");
                snapshots.delete(key);
                request.scope()
                        .warning("box " + request.boxName() + ": " + e.getMessage()
                                + "; the snapshot is deleted and the box boots cold");
            }
        }
        QemuMachine machine = launcher.boot(spec, console);
        if (key != null && !snapshots.exists(key)) saveSnapshot(key, machine, spec, img, request);
        return connect(machine, secret, accel, t0, request, false);
    }

    /**
     * {@code boot} on the share kernel with the request's mounts as 9p shares, mounted by {@code /init}
     * at their guest paths (parents first), and the agent user given the host uid {@code user} that
     * owns them.
     */
    private Boot withShares(Boot boot, GuestImage img, SandboxRequest request, SandboxUser user)
            throws SandboxException {
        ShareKernel kernel = shareKernel(img, request.boxName());
        Boot b = boot.withKernel(kernel.kernel(), kernel.initramfs());
        List<SandboxOptions.Mount> mounts = new ArrayList<>(request.options().mounts());
        mounts.sort(Comparator.comparingInt(m -> Path.of(m.guest()).normalize().getNameCount()));
        for (int i = 0; i < mounts.size(); i++) {
            SandboxOptions.Mount m = mounts.get(i);
            if (!Files.isDirectory(m.host()))
                throw new SandboxException(
                        "box " + request.boxName() + ": mount " + m.host() + ": not a directory on the host");
            try {
                b = b.withShare(new MachineSpec.Share(
                        "vbx" + i, m.host().toAbsolutePath().normalize(), m.guest(), m.readOnly()));
            } catch (IllegalArgumentException e) {
                throw new SandboxException("box " + request.boxName() + ": " + e.getMessage(), e);
            }
        }
        return b.withGuestArg("agent_uid", user.uid() + ":" + user.gid());
    }

    /** The host user a box with mounts works as ({@link SandboxUser}: this user, or the boxes' uid when root). */
    private static SandboxUser boxUser(SandboxRequest request) throws SandboxException {
        try {
            return SandboxUser.forThisProcess(System.getenv());
        } catch (IllegalArgumentException e) {
            throw new SandboxException("box " + request.boxName() + ": " + e.getMessage(), e);
        }
    }

    /** The share kernel, built on first use and then kept. */
    private synchronized ShareKernel shareKernel(GuestImage img, String box) throws SandboxException {
        if (shareKernel == null) {
            try {
                shareKernel = caches.get().shareKernel(img.rootFsType(), progress);
            } catch (IOException | RuntimeException e) {
                throw new SandboxException(
                        "box " + box + ": cannot prepare the kernel of boxes with mounts: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SandboxException("box " + box + ": interrupted while preparing the share kernel", e);
            }
        }
        return shareKernel;
    }

    /**
     * Lends every {@code rw} mount to the host uid the guest's agent has (only when voidbox is root:
     * QEMU then creates the agent's files as that uid), given back when the sandbox closes.
     */
    private static List<SandboxUser.Lease> lend(SandboxRequest request, SandboxUser user) throws SandboxException {
        List<SandboxUser.Lease> leases = new ArrayList<>();
        try {
            for (SandboxOptions.Mount m : request.options().mounts())
                if (!m.readOnly())
                    leases.add(user.lend(m.host().toAbsolutePath().normalize()));
        } catch (IOException e) {
            giveBack(leases, request);
            throw new SandboxException(
                    "box " + request.boxName() + ": cannot lend mount to the box: " + e.getMessage(), e);
        }
        return leases;
    }

    private static void giveBack(List<SandboxUser.Lease> leases, SandboxRequest request) {
        SandboxUser.giveBack(
                leases,
                why -> request.scope().warning("box " + request.boxName() + ": cannot give a mount back: " + why));
    }

    /** The Hello on the machine's channel, then the sandbox; on failure the machine is closed. */
    private VmSandbox connect(
            QemuMachine machine, byte[] secret, Accel accel, long t0, SandboxRequest request, boolean restored)
            throws SandboxException, InterruptedException {
        Connection connection = null;
        BoxNetwork network = new BoxNetwork(request.options().network(), request.scope());
        try {
            for (int attempt = 1; connection == null; attempt++) {
                Transport transport = UnixSocketTransport.connect(machine.channelSocket(), CHANNEL_TIMEOUT);
                try {
                    connection = Connection.connect(
                            transport,
                            new FrameCodec(),
                            secret,
                            restored ? RESTORED_HELLO_TIMEOUT : CHANNEL_TIMEOUT,
                            request.telemetry(),
                            network::onMessage);
                } catch (HandshakeException e) {
                    // a restored guest on a loaded host can be slower than one attempt (docs/snapshots.md): connect
                    // anew
                    if (!restored
                            || attempt == RESTORED_HELLO_ATTEMPTS
                            || machine.exitCode().isPresent()) throw e;
                    request.scope()
                            .line(
                                    "runtime",
                                    "no Hello answer from the restored guest (" + e.getMessage()
                                            + "); reconnecting the channel");
                }
            }
            network.start(connection);
            String kernel = connection.peer().kernel();
            SandboxEnvironment env = new SandboxEnvironment(
                    "vm",
                    Optional.of(accel.id()),
                    GuestImage.GUEST_WORKSPACE,
                    GuestImage.HOST_ADDRESS,
                    GuestImage.GUEST_CLAUDE,
                    GuestImage.GUEST_HOME,
                    Optional.of(kernel));
            if (restored) machine.deleteFirmwareFiles();
            VmSandbox sandbox = new VmSandbox(
                    machine, connection, env, request.scope(), request.options().env(), network);
            request.scope().ready("vm", accel.id(), (System.nanoTime() - t0) / 1_000_000, kernel, restored);
            return sandbox;
        } catch (IOException | RuntimeException | InterruptedException e) {
            network.close();
            if (connection != null) connection.close();
            String tail = machine.consoleTail();
            String state = restored ? " (QEMU " + Snapshots.runState(machine) + ")" : "";
            machine.close();
            // a restored box falls back to a cold boot: it is not stopped yet
            if (!restored || e instanceof InterruptedException)
                request.scope().stopped("vm", accel.id(), "failed to connect");
            if (e instanceof InterruptedException ie) throw ie;
            throw new SandboxException(
                    "box " + request.boxName() + ": the guest agent did not answer on its channel"
                            + (restored ? " after the restore" + state + ": " : ": ") + e.getMessage()
                            + (tail.isBlank()
                                    ? ""
                                    : "; last console lines: " + tail.strip().replace('\n', '|')),
                    e);
        }
    }
}
