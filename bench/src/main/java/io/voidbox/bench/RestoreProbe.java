package io.voidbox.bench;

import io.voidbox.agent.claude.ClaudeCodeInstaller;
import io.voidbox.protocol.Connection;
import io.voidbox.protocol.HandshakeException;
import io.voidbox.protocol.UnixSocketTransport;
import io.voidbox.sandbox.vm.VmSandboxProvider;
import io.voidbox.sandbox.vm.image.GuestImage;
import io.voidbox.sandbox.vm.internal.Accel;
import io.voidbox.sandbox.vm.internal.MachineSpec;
import io.voidbox.sandbox.vm.internal.MachineSpec.Boot;
import io.voidbox.sandbox.vm.internal.QemuMachine;
import io.voidbox.sandbox.vm.internal.Snapshots;
import io.voidbox.sandbox.vm.internal.VmLauncher;
import io.voidbox.spi.support.FileTrees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;

/**
 * How often a restored guest misses its first Hello: saves one snapshot, restores it
 * {@code --runs} times and sends each restored guest one Hello with a {@code --hello-s} timeout
 * (no reconnect), printing the misses with the guest's console and QEMU's run state. Usage:
 * {@code RestoreProbe [--runs 20] [--hello-s 8]}
 */
public final class RestoreProbe {
    private RestoreProbe() {}

    public static void main(String[] args) throws Exception {
        BenchArgs cli = BenchArgs.parse(args, "--runs", "--hello-s");
        int runs = cli.intValue("--runs", 20);
        int helloS = cli.intValue("--hello-s", 8);
        Path claude = ClaudeCodeInstaller.defaults().ensureInstalled();
        GuestImage image =
                VmSandboxProvider.withSnapshotDir(() -> claude, m -> {}, null).image();
        VmLauncher launcher = VmLauncher.system();
        Path dir = Files.createTempDirectory("voidbox-restore-probe-");
        int missed = 0;
        try {
            Snapshots snapshots = new Snapshots(dir);
            String key = null;
            long t00 = System.nanoTime();
            for (int i = 0; i <= runs; i++) {
                byte[] secret = new byte[32];
                new SecureRandom().nextBytes(secret);
                MachineSpec spec = probeSpec(image, secret, false);
                if (key == null) key = launcher.snapshotKey(spec);
                int run = i;
                long ts = t00;
                try (QemuMachine m = i == 0
                        ? launcher.boot(spec, (s, l) -> {})
                        : launcher.restore(
                                spec,
                                (s, l) -> System.out.printf(
                                        Locale.ROOT,
                                        "  %6d ms [vm:%d %s] %s%n",
                                        (System.nanoTime() - ts) / 1_000_000,
                                        run,
                                        s,
                                        l),
                                snapshots,
                                key)) {
                    if (i == 0) snapshots.save(key, m, "probe");
                    long t0 = System.nanoTime();
                    for (int attempt = 1; attempt <= 3; attempt++) {
                        try (Connection c = Connection.connect(
                                UnixSocketTransport.connect(m.channelSocket(), Duration.ofSeconds(30)),
                                secret,
                                Duration.ofSeconds(helloS),
                                b -> {})) {
                            System.out.printf(
                                    Locale.ROOT,
                                    "%6d ms run %d (%s): Hello answered in %d ms, attempt %d%n",
                                    (System.nanoTime() - t00) / 1_000_000,
                                    i,
                                    i == 0 ? "cold" : "restored",
                                    (System.nanoTime() - t0) / 1_000_000,
                                    attempt);
                            break;
                        } catch (HandshakeException e) {
                            if (attempt == 1) missed++;
                            System.out.printf(
                                    Locale.ROOT,
                                    "%6d ms run %d: attempt %d MISSED (%s), QEMU %s%n",
                                    (System.nanoTime() - t00) / 1_000_000,
                                    i,
                                    attempt,
                                    e.getMessage(),
                                    Snapshots.runState(m));
                        }
                    }
                }
            }
        } finally {
            FileTrees.delete(dir);
        }
        System.out.printf(Locale.ROOT, "missed first Hello: %d of %d restores%n", missed, runs);
    }

    /** The probes' machine: TCG, no NIC, channel {@code secret}, a fixed identity, with or without prewarm. */
    static MachineSpec probeSpec(GuestImage image, byte[] secret, boolean prewarm) {
        Boot boot = Boot.of(image)
                .withSecret(HexFormat.of().formatHex(secret))
                .withBoxIdentity("vbx-probe", "02:00:00:00:00:01", "00".repeat(32))
                .withGuestArg("port", GuestImage.CHANNEL_PORT_NAME);
        if (prewarm) boot = boot.withGuestArg("prewarm", GuestImage.GUEST_CLAUDE);
        return MachineSpec.of("probe", boot, Accel.TCG)
                .withNetwork(false)
                .withReady(MachineSpec.DEFAULT_READY, Duration.ofSeconds(240));
    }
}
