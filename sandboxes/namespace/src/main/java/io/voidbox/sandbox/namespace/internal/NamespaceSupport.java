package io.voidbox.sandbox.namespace.internal;

import io.voidbox.spi.support.FileTrees;
import io.voidbox.spi.support.ProcessTrees;
import io.voidbox.spi.support.SandboxUser;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Whether namespace boxes can run here: the tools are installed and a trial box starts and exits. */
public final class NamespaceSupport {
    private NamespaceSupport() {}

    /** Why boxes cannot run as {@code user} here, naming what to install or allow; empty when they can. */
    public static Optional<String> probe(SandboxUser user) {
        List<String> missing = new ArrayList<>();
        if (onPath("bwrap").isEmpty()) missing.add("bubblewrap");
        if (onPath("socat").isEmpty()) missing.add("socat");
        if (onPath("setpriv").isEmpty()
                || onPath("unshare").isEmpty()
                || onPath("nsenter").isEmpty()) missing.add("util-linux");
        if (onPath("ip").isEmpty()) missing.add("iproute2");
        if (onPath("nft").isEmpty()) missing.add("nftables"); // net.denied: the refusals are read from its table
        if (!missing.isEmpty())
            return Optional.of(
                    "missing " + String.join(", ", missing) + " (apt-get install " + String.join(" ", missing) + ")");
        Path root = null;
        NetNamespace net = null;
        try {
            Staging staging = Staging.create("probe", user);
            root = staging.root();
            net = NetNamespace.start(user, staging.run(), root.resolve("net.log"), false);
            var layout = new BwrapCommand.Layout(
                    user,
                    root,
                    staging.workspace(),
                    Optional.empty(),
                    List.of(),
                    staging.run(),
                    staging.seccomp(),
                    List.of());
            Process p = new ProcessBuilder(BwrapCommand.argv(layout, net.enter(), List.of("/bin/true"), null))
                    .directory(root.toFile())
                    .redirectErrorStream(true)
                    .start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readNBytes(4096);
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                ProcessTrees.killTree(p.toHandle(), Duration.ofSeconds(2));
                return Optional.of("a trial sandbox did not exit within 20 s");
            }
            if (p.exitValue() != 0)
                return Optional.of("a trial sandbox failed (exit " + p.exitValue() + "): "
                        + new String(out, StandardCharsets.UTF_8).strip()
                        + " (unprivileged user namespaces must be allowed: sysctl user.max_user_namespaces,"
                        + " kernel.apparmor_restrict_unprivileged_userns=0 on Ubuntu)");
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of("a trial sandbox could not start: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while trying a sandbox");
        } finally {
            if (net != null) net.close();
            if (root != null) {
                try {
                    FileTrees.delete(root);
                } catch (IOException ignored) {
                    // a temp dir left behind
                }
            }
        }
    }

    static Optional<Path> onPath(String command) {
        String path = System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin");
        for (String dir : (path + ":/usr/sbin:/usr/bin").split(File.pathSeparator)) {
            if (dir.isEmpty()) continue;
            Path p = Path.of(dir, command);
            if (Files.isExecutable(p)) return Optional.of(p);
        }
        return Optional.empty();
    }
}
