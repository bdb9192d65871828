package io.voidbox.sandbox.namespace;

import io.voidbox.SandboxOptions;
import io.voidbox.SandboxOptions.Backend;
import io.voidbox.SandboxOptions.Mount;
import io.voidbox.SandboxOptions.Network;
import io.voidbox.event.RunEvent;
import io.voidbox.spi.BoxScope;
import io.voidbox.spi.ExecResult;
import io.voidbox.spi.ExecSpec;
import io.voidbox.spi.OutputSink;
import io.voidbox.spi.Sandbox;
import io.voidbox.spi.SandboxRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Child JVM for {@link UnprivilegedNamespaceBoxTest}, run as an unprivileged host user: one
 * namespace box with an rw and a ro mount and one allowed host port attacks its bounds; prints the
 * box's stdout, then one {@code NETDENIED destination:port} line per event. Arguments: rw dir, ro
 * dir, allowed port, refused port.
 */
public final class UnprivilegedBoxMain {
    public static void main(String[] args) throws Exception {
        var provider = new NamespaceSandboxProvider(() -> Path.of("/usr/bin/true"), System.getenv());
        Optional<String> why = provider.unavailableReason();
        if (why.isPresent()) {
            System.out.println("UNAVAILABLE " + why.get());
            System.exit(3);
        }
        StringBuilder denied = new StringBuilder();
        BoxScope scope = new BoxScope("run", "p", "unprivileged", e -> {
            if (e instanceof RunEvent.NetDenied d)
                denied.append("NETDENIED " + d.destination() + ":" + d.port() + "\n");
        });
        List<Mount> mounts =
                List.of(new Mount(Path.of(args[0]), "/data/rw", false), new Mount(Path.of(args[1]), "/data/ro", true));
        SandboxOptions options = new SandboxOptions(
                        Backend.NAMESPACE, SandboxOptions.Accel.AUTO, 512, 1, false, Map.of(), mounts, 1000)
                .withNetwork(new Network(Network.Mode.RESTRICTED, List.of(Network.Endpoint.parse("host:" + args[2]))));
        String script = "id -u; echo from-the-box > /data/rw/new.txt && echo RW-OK;"
                + " echo changed 2>&1 > /data/ro/keep.txt; cat /data/ro/keep.txt;"
                + " exec 3<>/dev/tcp/host/" + args[2] + "; head -1 <&3;"
                + " timeout 5 bash -c 'echo > /dev/tcp/127.0.0.1/" + args[3] + "' 2>/dev/null || echo OTHER-REFUSED;"
                + " nft flush ruleset 2>/dev/null && echo FLUSHED; true";
        try (Sandbox box = provider.start(new SandboxRequest(scope, options, b -> {}))) {
            ExecResult r = box.exec(
                    new ExecSpec(List.of("bash", "-c", script), Map.of(), null, Duration.ofSeconds(60)),
                    new OutputSink() {
                        @Override
                        public void stdout(String line) {
                            System.out.println(line);
                        }

                        @Override
                        public void stderr(String line) {
                            System.out.println("stderr: " + line);
                        }
                    });
            System.out.println("EXIT " + r.exitCode());
        }
        System.out.print(denied);
    }
}
