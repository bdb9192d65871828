package io.voidbox.bench;

import io.voidbox.agent.claude.ClaudeCodeInstaller;
import io.voidbox.protocol.Connection;
import io.voidbox.protocol.HandshakeException;
import io.voidbox.protocol.UnixSocketTransport;
import io.voidbox.sandbox.vm.VmSandboxProvider;
import io.voidbox.sandbox.vm.image.GuestImage;
import io.voidbox.sandbox.vm.internal.ConsoleListener;
import io.voidbox.sandbox.vm.internal.MachineSpec;
import io.voidbox.sandbox.vm.internal.QemuMachine;
import io.voidbox.sandbox.vm.internal.Snapshots;
import io.voidbox.sandbox.vm.internal.VmLauncher;
import io.voidbox.spi.support.FileTrees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What prewarm buys a restored box: saves one snapshot with and one without
 * {@code voidbox.prewarm} (Claude Code read into the page cache before the snapshot point), then
 * restores each {@code --runs} times and times {@code claude --version} (the CLI's first start in
 * the box) from the host. Usage: {@code PrewarmProbe [--runs 3] [--memory 1024]}
 */
public final class PrewarmProbe {
    private PrewarmProbe() {}

    /** The Hello, reconnecting the channel when a restored guest misses it (as the provider does), saying so. */
    private static Connection connect(QemuMachine m, byte[] secret) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return Connection.connect(
                        UnixSocketTransport.connect(m.channelSocket(), Duration.ofSeconds(30)),
                        secret,
                        Duration.ofSeconds(15),
                        b -> {});
            } catch (HandshakeException e) {
                System.out.println("  attempt " + attempt + ": " + e.getMessage());
                if (attempt == 4) throw e;
            }
        }
    }

    public static void main(String[] args) throws Exception {
        int runs = args.length > 1 && args[0].equals("--runs") ? Integer.parseInt(args[1]) : 3;
        Path claude = ClaudeCodeInstaller.defaults().ensureInstalled();
        GuestImage image =
                VmSandboxProvider.withSnapshotDir(() -> claude, m -> {}, null).image();
        VmLauncher launcher = VmLauncher.system();
        Path dir = Files.createTempDirectory("voidbox-prewarm-probe-");
        try {
            Snapshots snapshots = new Snapshots(dir);
            for (boolean prewarm : List.of(true, false)) {
                String key = null;
                for (int i = 0; i <= runs; i++) {
                    byte[] secret = new byte[32];
                    new SecureRandom().nextBytes(secret);
                    MachineSpec spec = RestoreProbe.probeSpec(image, secret, prewarm);
                    if (key == null) key = launcher.snapshotKey(spec);
                    try (QemuMachine m = i == 0
                            ? launcher.boot(spec, ConsoleListener.NONE)
                            : launcher.restore(spec, ConsoleListener.NONE, snapshots, key)) {
                        if (i == 0) snapshots.save(key, m, "probe");
                        try (Connection c = connect(m, secret)) {
                            long t0 = System.nanoTime();
                            var exit = c.exec(
                                            List.of(GuestImage.GUEST_CLAUDE, "--version"),
                                            Map.of("HOME", GuestImage.GUEST_HOME, "PATH", "/usr/bin:/bin"),
                                            "/workspace",
                                            Duration.ofSeconds(120),
                                            GuestImage.GUEST_USER,
                                            (s, b) -> {})
                                    .exit()
                                    .get();
                            System.out.printf(
                                    Locale.ROOT,
                                    "prewarm=%s %s %d: claude --version %d ms (exit %d)%n",
                                    prewarm,
                                    i == 0 ? "cold boot (saving)" : "restored",
                                    i,
                                    (System.nanoTime() - t0) / 1_000_000,
                                    exit.exitCode());
                        }
                    }
                }
            }
        } finally {
            FileTrees.delete(dir);
        }
    }
}
