package io.voidbox.sandbox.namespace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.voidbox.Box;
import io.voidbox.Pipeline;
import io.voidbox.PipelineResult;
import io.voidbox.SandboxOptions;
import io.voidbox.SandboxOptions.Backend;
import io.voidbox.SandboxOptions.Mount;
import io.voidbox.VoidBox;
import io.voidbox.event.RunEvent;
import io.voidbox.sandbox.local.FixedLlmResolver;
import io.voidbox.sandbox.local.RecordingListener;
import io.voidbox.sandbox.local.ShellAgentRunner;
import io.voidbox.spi.BoxScope;
import io.voidbox.spi.Sandbox;
import io.voidbox.spi.SandboxRequest;
import io.voidbox.spi.support.AllowedTargets;
import io.voidbox.spi.support.FileTrees;
import io.voidbox.spi.support.ScriptRun;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attacks from inside a namespace box, for real: a shell "agent" runs the attack as the box's
 * command and the test checks the host afterwards. Skipped with the reason where bubblewrap or
 * unprivileged user namespaces are missing.
 */
class NamespaceAttackTest {
    private static NamespaceSandboxProvider provider;

    @TempDir
    Path tmp;

    private final RecordingListener events = new RecordingListener();

    @BeforeAll
    static void needsNamespaces() {
        provider = new NamespaceSandboxProvider(() -> Path.of("/usr/bin/true"), System.getenv());
        Optional<String> why = provider.unavailableReason();
        assumeTrue(why.isEmpty(), () -> "namespace sandbox unavailable here: " + why.orElse(""));
    }

    private PipelineResult run(String script, List<Mount> mounts) {
        return run(Box.named("attacker")
                .prompt(script)
                .sandbox(new SandboxOptions(
                        Backend.NAMESPACE, SandboxOptions.Accel.AUTO, 512, 1, false, Map.of(), mounts, 1000))
                .timeout(Duration.ofSeconds(60))
                .build());
    }

    private PipelineResult run(Box box) {
        return run(Pipeline.named("attack", box));
    }

    private PipelineResult run(Pipeline pipeline) {
        try (VoidBox vb = VoidBox.builder()
                .sandboxProvider(provider)
                .agentRunner(new ShellAgentRunner())
                .llmResolver(new FixedLlmResolver())
                .listener(events)
                .build()) {
            return vb.run(pipeline, "");
        }
    }

    @Test
    void shadowAndTheInvokingUsersHomeAreUnreadableAndTheBoxIsNotRoot() {
        String home = System.getProperty("user.home");
        PipelineResult r = run(
                "cat /etc/shadow && echo SHADOW-READ; ls " + home + " && echo HOME-LISTED; cat " + home
                        + "/.bashrc && echo HOME-READ; test -e /etc/shadow && echo SHADOW-EXISTS; id -u; grep Cap /proc/self/status",
                List.of());
        assertThat(r.success()).as(r.toString()).isTrue();
        assertThat(r.finalOutput())
                .doesNotContain("SHADOW-READ", "HOME-LISTED", "HOME-READ", "SHADOW-EXISTS")
                .contains("CapEff:\t0000000000000000")
                .contains("CapBnd:\t0000000000000000");
        assertThat(r.finalOutput().lines().filter(l -> l.matches("\\d+")).findFirst())
                .get()
                .isNotEqualTo("0");
        assertThat(r.stages().getFirst().backend()).isEqualTo("namespace");
    }

    @Test
    void writesOutsideTheWorkspaceFailAndTmpIsPrivate() {
        String marker = "vbx-ns-" + System.nanoTime();
        PipelineResult r = run(
                "for d in /usr /etc /bin /opt /var/lib /; do touch $d/" + marker + " 2>/dev/null && echo WROTE-$d;"
                        + " done; touch /tmp/" + marker + " && echo TMP-OK; touch /workspace/ok && echo WS-OK",
                List.of());
        assertThat(r.success()).as(r.toString()).isTrue();
        assertThat(r.finalOutput()).doesNotContain("WROTE-").contains("TMP-OK", "WS-OK");
        for (String d : List.of("/usr", "/etc", "/bin", "/opt", "/var/lib", "/", "/tmp"))
            assertThat(Path.of(d, marker)).doesNotExist();
    }

    @Test
    void aReadOnlyMountRefusesWritesWithErofsAndAnRwMountIsLive() throws IOException {
        Path ro = Files.createDirectories(tmp.resolve("ro"));
        Files.writeString(ro.resolve("keep.txt"), "original");
        Path rw = Files.createDirectories(tmp.resolve("rw"));
        PipelineResult r = run(
                "echo changed > /workspace/ro/keep.txt; touch /workspace/ro/new; echo live > /workspace/rw/live.txt;"
                        + " cat /workspace/ro/keep.txt",
                List.of(new Mount(ro, "/workspace/ro", true), new Mount(rw, "/workspace/rw", false)));
        assertThat(r.success()).as(r.toString()).isTrue();
        assertThat(events.events().toString()).contains("Read-only file system");
        assertThat(ro.resolve("keep.txt")).hasContent("original");
        assertThat(ro.resolve("new")).doesNotExist();
        assertThat(rw.resolve("live.txt")).hasContent("live");
        // given back to the mount's owner after the stage
        assertThat(Files.getAttribute(rw.resolve("live.txt"), "unix:uid"))
                .isEqualTo(Files.getAttribute(rw, "unix:uid"));
    }

    @Test
    void boxesSharingAnRwMountAtOnceGiveItBackToItsOwner() throws IOException {
        Path shared = Files.createDirectories(tmp.resolve("shared"));
        Files.writeString(shared.resolve("existing.txt"), "x\n");
        Object owner = Files.getAttribute(shared, "unix:uid");
        SandboxOptions options = new SandboxOptions(
                Backend.NAMESPACE,
                SandboxOptions.Accel.AUTO,
                512,
                1,
                false,
                Map.of(),
                List.of(new Mount(shared, "/workspace/shared", false)),
                1000);
        Box first = Box.named("first").prompt("true").sandbox(options).build();
        Box quick = Box.named("quick")
                .prompt("echo a > /workspace/shared/a.txt; echo a >> /workspace/shared/existing.txt")
                .sandbox(options)
                .build();
        Box slow = Box.named("slow")
                .prompt("sleep 1; mkdir /workspace/shared/d; echo b > /workspace/shared/d/b.txt")
                .sandbox(options)
                .build();
        PipelineResult r = run(Pipeline.named("share", first).fanOut(List.of(quick, slow)));
        assertThat(r.success()).as(r.toString()).isTrue();
        assertThat(shared.resolve("d/b.txt")).hasContent("b");
        assertThat(shared.resolve("existing.txt")).hasContent("x\na");
        try (var all = Files.walk(shared)) {
            assertThat(all.toList())
                    .allSatisfy(p -> assertThat(Files.getAttribute(p, "unix:uid"))
                            .as(p.toString())
                            .isEqualTo(owner));
        }
    }

    @Test
    void symlinksInAnRwMountNeverReachHostFilesOutsideIt() throws IOException {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("victim.txt"), "intact");
        Path mount = Files.createDirectories(tmp.resolve("mount"));
        Files.createSymbolicLink(mount.resolve("link"), Path.of("../outside"));
        Files.createSymbolicLink(mount.resolve("file-link"), Path.of("../outside/victim.txt"));
        Files.createSymbolicLink(mount.resolve("abs-link"), outside);
        PipelineResult r = run(
                "mkdir -p /workspace/outside; cat /workspace/data/file-link && echo READ-THROUGH;"
                        + " echo pwned > /workspace/data/link/victim.txt;"
                        + " echo new > /workspace/data/link/new.txt; echo pwned > /workspace/data/file-link;"
                        + " echo pwned > /workspace/data/abs-link/victim.txt; mkdir -p /workspace/data/abs-link;"
                        + " echo new > /workspace/data/abs-link/new.txt; true",
                List.of(new Mount(mount, "/workspace/data", false)));
        assertThat(r.success()).as(r.toString()).isTrue();
        assertThat(r.finalOutput()).doesNotContain("intact", "READ-THROUGH");
        assertThat(outside.resolve("victim.txt")).hasContent("intact");
        try (var files = Files.list(outside)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("victim.txt");
        }
        assertThat(Files.isSymbolicLink(mount.resolve("link"))).isTrue();
    }

    @Test
    void anOutputFileLinkedToAHostFileIsRefusedNotReadByTheHost() {
        Box box = Box.named("linker")
                .prompt("ln -s /etc/shadow out.json; ln -s /etc/hostname /workspace/also.json; echo linked")
                .outputFile("out.json")
                .sandbox(SandboxOptions.defaults().withBackend(Backend.NAMESPACE))
                .timeout(Duration.ofSeconds(60))
                .build();
        PipelineResult r = run(box);
        assertThat(r.success()).isFalse();
        assertThat(r.error()).get().asString().contains("symbolic link");
        assertThat(r.stages().getFirst().fileOutput()).isEmpty();
        assertThat(events.events().toString()).doesNotContain("root:");
    }

    @Test
    void theSeccompFilterRefusesNewNamespacesWithEperm() {
        // without the filter unshare fails with ENOSPC (--disable-userns); EPERM is the filter's answer
        PipelineResult r = run("unshare -U true; unshare -n true; echo rc=$?", List.of());
        assertThat(r.success()).as(r.toString()).isTrue();
        assertThat(r.finalOutput()).isEqualTo("rc=1");
        assertThat(events.of(RunEvent.Log.class).stream()
                        .filter(l -> l.stream().equals("stderr"))
                        .map(RunEvent.Log::line))
                .containsExactly(
                        "unshare: unshare failed: Operation not permitted",
                        "unshare: unshare failed: Operation not permitted");
    }

    @Test
    void aHostLoopbackPortIsUnreachableFromInside() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            server.setSoTimeout(200);
            int port = server.getLocalPort();
            PipelineResult r = run(
                    "timeout 5 bash -c 'echo hi > /dev/tcp/127.0.0.1/" + port + "' && echo CONNECTED;"
                            + " timeout 5 bash -c 'echo hi > /dev/tcp/10.0.2.2/" + port
                            + "' && echo GATEWAY; cat /proc/net/dev | tail -n +3 | cut -d: -f1; true",
                    List.of());
            assertThat(r.success()).as(r.toString()).isTrue();
            assertThat(r.finalOutput()).doesNotContain("CONNECTED", "GATEWAY");
            assertThat(r.finalOutput().strip()).isEqualTo("lo"); // the only interface
            AtomicInteger accepted = new AtomicInteger();
            try {
                server.accept().close();
                accepted.incrementAndGet();
            } catch (SocketTimeoutException expected) {
                // nobody came
            }
            assertThat(accepted).hasValue(0);
        }
    }

    @Test
    void nothingTheBoxStartedOutlivesTheStage() {
        String marker = String.valueOf(3000 + (System.nanoTime() % 1000));
        PipelineResult r = run(
                "setsid nohup sleep " + marker + " >/dev/null 2>&1 & (sleep " + marker
                        + " &) ; sleep 0.3; echo started",
                List.of());
        assertThat(r.success()).as(r.toString()).isTrue();
        assertThat(sleepers(marker)).isEmpty();
    }

    @Test
    void aSigkilledJvmLeavesNoBoxProcessBehind() throws Exception {
        String marker = String.valueOf(5000 + (System.nanoTime() % 1000));
        Path log = tmp.resolve("child.log");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(
                        java.toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        KilledRunMain.class.getName(),
                        tmp.toString(),
                        marker)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (sleepers(marker).size() < 2 && System.nanoTime() < deadline) Thread.sleep(100);
            assertThat(sleepers(marker)).as(Files.readString(log)).hasSizeGreaterThanOrEqualTo(2);
            assertThat(holders(child.pid())).as("a holder while the box runs").isNotEmpty();
            child.destroyForcibly(); // SIGKILL: no shutdown hook runs
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while ((!sleepers(marker).isEmpty() || !holders(child.pid()).isEmpty()) && System.nanoTime() < until)
                Thread.sleep(50);
            assertThat(sleepers(marker)).isEmpty();
            assertThat(holders(child.pid()))
                    .as("the boxes' network namespace holders")
                    .isEmpty();
            assertThat(leftovers(child.pid()))
                    .as("the killed JVM's staging dir and cgroups")
                    .isNotEmpty();

            // the next provider's first box sweeps them
            var next = new NamespaceSandboxProvider(() -> Path.of("/usr/bin/true"), System.getenv());
            BoxScope scope = new BoxScope("run", "p", "after", events::onEvent);
            next.start(new SandboxRequest(scope, SandboxOptions.defaults().withBackend(Backend.NAMESPACE), b -> {}))
                    .close();
            assertThat(leftovers(child.pid())).isEmpty();
        } finally {
            child.destroyForcibly();
            child.waitFor(30, TimeUnit.SECONDS);
            removeLeftovers(child.pid());
        }
    }

    /** Host processes of the JVM {@code pid}'s boxes (network holders and their listeners name its staging dir). */
    private static List<ProcessHandle> holders(long pid) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().orElse("").contains("voidbox-ns-" + pid + "-"))
                .filter(ProcessHandle::isAlive)
                .toList();
    }

    /** What a killed JVM leaves until the next run: its staging directories and empty cgroups. */
    private static List<Path> leftovers(long pid) throws IOException {
        try (var tmpDirs = Files.newDirectoryStream(
                        Path.of(System.getProperty("java.io.tmpdir")), "voidbox-ns-" + pid + "-*");
                var cgroups = Files.find(
                        Path.of("/sys/fs/cgroup"),
                        6,
                        (p, a) ->
                                a.isDirectory() && p.getFileName().toString().matches("voidbox-.*-" + pid + "-\\d+"))) {
            List<Path> all = new ArrayList<>(cgroups.toList());
            tmpDirs.forEach(all::add);
            return all;
        }
    }

    private static void removeLeftovers(long pid) throws IOException {
        for (Path p : leftovers(pid)) {
            if (p.startsWith("/sys/fs/cgroup")) Files.deleteIfExists(p);
            else FileTrees.delete(p);
        }
    }

    /** Live {@code sleep MARKER} processes (the command itself, not shells whose script mentions it). */
    private static List<ProcessHandle> sleepers(String marker) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().command().orElse("").endsWith("/sleep")
                        && Arrays.equals(p.info().arguments().orElse(new String[0]), new String[] {marker}))
                .filter(ProcessHandle::isAlive)
                .toList();
    }

    /** A host service that answers every connection with {@code name + "-says-hi"}, until it is closed. */
    private static ServerSocket service(ServerSocket server, String name) {
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    s.getOutputStream().write((name + "-says-hi\n").getBytes());
                } catch (IOException ignored) {
                    // closed: the test ends
                }
            }
        });
        return server;
    }

    private static ServerSocket loopbackService(String name) throws IOException {
        return service(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), name);
    }

    /**
     * Runs bash {@code script} in a new namespace box with {@code network}, the runner's {@code env}
     * (model endpoints) in its environment; its stdout, after it exited 0 (stderr in the failure message).
     */
    private String inBox(String name, SandboxOptions.Network network, Map<String, String> env, String script)
            throws Exception {
        BoxScope scope = new BoxScope("run", "p", name, events::onEvent);
        SandboxOptions options =
                SandboxOptions.defaults().withBackend(Backend.NAMESPACE).withNetwork(network);
        try (Sandbox box = provider.start(new SandboxRequest(scope, options, b -> {}))) {
            ScriptRun.Out o = ScriptRun.run(box, "bash", script, env, Duration.ofSeconds(30));
            assertThat(o.result().exitCode()).as(o.toString()).isZero();
            return o.stdout();
        }
    }

    /** Shell: connect to {@code host:port} on descriptor {@code fd} and print the service's first line. */
    private static String read(int fd, String host, int port) {
        return " exec " + fd + "<>/dev/tcp/" + host + "/" + port + "; head -1 <&" + fd + ";";
    }

    /** Shell: a connection to {@code host:port} that must fail; prints {@code label} when it does. */
    private static String refused(String host, int port, String label) {
        return " timeout 5 bash -c 'echo > /dev/tcp/" + host + "/" + port + "' || echo " + label + ";";
    }

    private static SandboxOptions.Network restricted(String... allow) {
        return new SandboxOptions.Network(
                SandboxOptions.Network.Mode.RESTRICTED,
                Arrays.stream(allow).map(SandboxOptions.Network.Endpoint::parse).toList());
    }

    /** {@code net.denied} events as {@code destination:port/protocol/reason}. */
    private List<String> denied() {
        return events.of(RunEvent.NetDenied.class).stream()
                .map(d -> d.destination() + ":" + d.port() + "/" + d.protocol() + "/" + d.reason())
                .toList();
    }

    @Test
    void onlyTheModelPortsTheRunnerNamedAreForwarded() throws Exception {
        try (ServerSocket model = loopbackService("model");
                ServerSocket other = loopbackService("other")) {
            String out = inBox(
                    "fwd",
                    restricted(),
                    Map.of("ANTHROPIC_BASE_URL", "http://127.0.0.1:" + model.getLocalPort() + "/r/x"),
                    read(3, "127.0.0.1", model.getLocalPort())
                            + refused("127.0.0.1", other.getLocalPort(), "OTHER-REFUSED")
                            + refused("1.1.1.1", 80, "FAR-REFUSED"));
            assertThat(out).isEqualTo("model-says-hi\nOTHER-REFUSED\nFAR-REFUSED\n");
            assertThat(denied())
                    .containsExactlyInAnyOrder(
                            "host:" + other.getLocalPort() + "/tcp/not_allowed", "1.1.1.1:80/tcp/not_allowed");
        }
    }

    @Test
    void anAllowedHostPortIsReachableByNameAndAddressAndEveryOtherDestinationIsRefusedAndReported() throws Exception {
        try (ServerSocket allowed = loopbackService("allowed");
                ServerSocket other = loopbackService("other")) {
            String out = inBox(
                    "allow",
                    restricted("host:" + allowed.getLocalPort()),
                    Map.of(),
                    // first an attempt to blind the host: the table is not the box's to change
                    "nft flush ruleset 2>/dev/null && echo FLUSHED;"
                            + read(3, "host", allowed.getLocalPort())
                            + read(4, "127.0.0.1", allowed.getLocalPort())
                            + refused("host", other.getLocalPort(), "OTHER-REFUSED")
                            + refused("1.1.1.1", 80, "FAR-REFUSED"));
            assertThat(out).isEqualTo("allowed-says-hi\nallowed-says-hi\nOTHER-REFUSED\nFAR-REFUSED\n");
            // reported by the host from the box's kernel, not by anything in the box
            assertThat(denied())
                    .containsExactlyInAnyOrder(
                            "host:" + other.getLocalPort() + "/tcp/not_allowed", "1.1.1.1:80/tcp/not_allowed");
        }
    }

    @Test
    void allowedNamesResolveInsideAndReachOnlyTheirPortsAndOtherNamesAreRefused() throws Exception {
        System.setProperty(AllowedTargets.HOSTS_PROPERTY, "api.vbx.test=127.0.0.1,deep.sub.vbx.test=127.0.0.1");
        try (ServerSocket exact = loopbackService("exact");
                ServerSocket wild = loopbackService("wild")) {
            String out = inBox(
                    "names",
                    restricted("api.vbx.test:" + exact.getLocalPort(), "*.sub.vbx.test:" + wild.getLocalPort()),
                    Map.of(),
                    read(3, "api.vbx.test", exact.getLocalPort())
                            + read(4, "deep.sub.vbx.test", wild.getLocalPort())
                            + " getent hosts evil.example.org || echo EVIL-UNKNOWN;"
                            + refused("api.vbx.test", wild.getLocalPort(), "OTHER-PORT-REFUSED"));
            assertThat(out).isEqualTo("exact-says-hi\nwild-says-hi\nEVIL-UNKNOWN\nOTHER-PORT-REFUSED\n");
            assertThat(denied())
                    .contains(
                            "evil.example.org:0/dns/not_allowed",
                            "api.vbx.test:" + wild.getLocalPort() + "/tcp/not_allowed");
        } finally {
            System.clearProperty(AllowedTargets.HOSTS_PROPERTY);
        }
    }

    @Test
    void anAddressRangeReachesOnlyTheAddressesItHolds() throws Exception {
        try (ServerSocket service = loopbackService("range")) {
            int port = service.getLocalPort();
            String out = inBox(
                    "range",
                    restricted("127.0.0.0/30:" + port),
                    Map.of(),
                    // the box's listener accepts on every address of the port; the host closes one
                    // outside the range at once: nothing is read
                    read(3, "127.0.0.1", port) + read(4, "10.9.9.9", port) + " echo END");
            assertThat(out).isEqualTo("range-says-hi\nEND\n");
            assertThat(denied()).containsExactly("10.9.9.9:" + port + "/tcp/not_allowed");
        }
    }

    @Test
    void anOpenBoxReachesOtherHostsButNeverTheHostLoopback() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/slirp4netns")), "slirp4netns is not installed (open mode)");
        Optional<InetAddress> external = NetworkInterface.networkInterfaces()
                .filter(i -> !i.getName().equals("lo"))
                .flatMap(NetworkInterface::inetAddresses)
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
                .findFirst();
        assumeTrue(external.isPresent(), "this host has no non-loopback IPv4 address to connect to");
        try (ServerSocket service = service(new ServerSocket(0), "outside")) { // every address, loopback too
            int port = service.getLocalPort();
            String out = inBox(
                    "open",
                    new SandboxOptions.Network(SandboxOptions.Network.Mode.OPEN, List.of()),
                    Map.of(),
                    read(3, external.get().getHostAddress(), port)
                            // the NAT's address of the host's loopback, and the box's own
                            + refused("10.0.2.2", port, "GATEWAY-REFUSED")
                            + refused("127.0.0.1", port, "LOOPBACK-REFUSED"));
            assertThat(out).isEqualTo("outside-says-hi\nGATEWAY-REFUSED\nLOOPBACK-REFUSED\n");
            assertThat(denied()).contains("host:" + port + "/tcp/not_allowed");
        }
    }
}
