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
import io.voidbox.sandbox.local.FixedLlmResolver;
import io.voidbox.sandbox.local.RecordingListener;
import io.voidbox.sandbox.local.ShellAgentRunner;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
        Box box = Box.named("attacker")
                .prompt(script)
                .sandbox(new SandboxOptions(
                        Backend.NAMESPACE, SandboxOptions.Accel.AUTO, 512, 1, false, Map.of(), mounts, 1000))
                .timeout(Duration.ofSeconds(60))
                .build();
        try (VoidBox vb = VoidBox.builder()
                .sandboxProvider(provider)
                .agentRunner(new ShellAgentRunner())
                .llmResolver(new FixedLlmResolver())
                .listener(events)
                .build()) {
            return vb.run(Pipeline.named("attack", box), "");
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
            try (Socket s = server.accept()) {
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
        assertThat(ProcessHandle.allProcesses()
                        .filter(p -> p.info().commandLine().orElse("").contains("sleep " + marker))
                        .filter(ProcessHandle::isAlive)
                        .toList())
                .isEmpty();
    }
}
