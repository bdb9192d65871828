package io.voidbox.sandbox.vm.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.voidbox.SandboxOptions;
import io.voidbox.SandboxOptions.Mount;
import io.voidbox.sandbox.vm.VmSandboxProvider;
import io.voidbox.sandbox.vm.VmTestSupport.VmTest;
import io.voidbox.spi.BoxScope;
import io.voidbox.spi.Sandbox;
import io.voidbox.spi.SandboxRequest;
import io.voidbox.spi.support.SandboxUser;
import io.voidbox.spi.support.ScriptRun;
import io.voidbox.spi.support.ScriptRun.Out;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Live mounts on a real VM, attacked from inside: the host sees an rw mount's writes while the
 * command still runs, symlinks in the shared tree never reach host files outside it, a {@code ro}
 * mount refuses writes with EROFS, a guest path outside {@code /workspace} works, and the agent's
 * files belong to the invoking user once the box is closed. One boot for all of it.
 */
@VmTest
class MountsVmTest {
    private static final long EIGHT_MIB = 8L << 20;

    private static Out run(Sandbox sb, String script) throws Exception {
        return ScriptRun.bash(sb, Duration.ofSeconds(120), script);
    }

    private static Map<Path, String> snapshot(Path dir) throws Exception {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> !p.equals(dir)).collect(java.util.stream.Collectors.toMap(p -> p, p -> {
                try {
                    return Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? Files.readString(p) : "<dir>";
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
    }

    private static int owner(Path p) throws Exception {
        return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    @Test
    void mountsAreLiveConfinedToTheSharedTreeReadOnlyWhenAskedAndOwnedByTheInvokingUser(
            VmSandboxProvider vm, @TempDir Path tmp) throws Exception {
        Path outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("existing.txt"), "host-outside-secret");
        Path hostFile = Files.writeString(tmp.resolve("host-file.txt"), "host-file-secret");
        Path rw = Files.createDirectories(tmp.resolve("rw"));
        Files.writeString(rw.resolve("README"), "from-host\n");
        Files.createSymbolicLink(rw.resolve("link"), Path.of("../outside"));
        Files.createSymbolicLink(rw.resolve("filelink"), hostFile);
        Path ro = Files.createDirectories(tmp.resolve("ro"));
        Files.writeString(ro.resolve("data.txt"), "read-only-data\n");
        Map<Path, String> outsideBefore = snapshot(outside);
        int self = SandboxUser.currentUid();

        BoxScope scope = new BoxScope("test", "mounts-test", "mounts", e -> {});
        SandboxRequest request = new SandboxRequest(
                scope,
                new SandboxOptions(
                        SandboxOptions.Backend.VM,
                        SandboxOptions.Accel.TCG,
                        1024,
                        1,
                        false,
                        Map.of(),
                        List.of(new Mount(rw, "/data/rw", false), new Mount(ro, "/workspace/ro", true)),
                        1000),
                b -> {});
        try (Sandbox sb = vm.start(request)) {
            assertThat(sb.mountsLive()).isTrue();
            // a guest path outside /workspace, the host's file read live
            Out facts = run(sb, "id -u; cat /data/rw/README; cat /workspace/ro/data.txt");
            assertThat(facts.stdout().lines().toList())
                    .containsExactly(
                            Integer.toString(
                                    SandboxUser.forThisProcess(System.getenv()).uid()),
                            "from-host",
                            "read-only-data");

            // 8 MiB written by the box appear on the host while its command still runs: the command waits for a
            // marker the host only creates once it has seen the whole file
            CompletableFuture<Out> writer = CompletableFuture.supplyAsync(() -> {
                try {
                    return run(
                            sb,
                            "head -c " + EIGHT_MIB + " /dev/urandom > /data/rw/big.bin && echo written;"
                                    + " for i in $(seq 600); do [ -e /data/rw/go ] && echo saw-marker && exit 0;"
                                    + " sleep 0.1; done; exit 3");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Path big = rw.resolve("big.bin");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(100);
            while (!(Files.exists(big) && Files.size(big) == EIGHT_MIB) && System.nanoTime() < deadline)
                Thread.sleep(50);
            assertThat(writer).as("the command still runs").isNotDone();
            assertThat(Files.size(big)).isEqualTo(EIGHT_MIB);
            Files.writeString(rw.resolve("go"), "");
            Out written = writer.get(100, TimeUnit.SECONDS);
            assertThat(written.stdout()).isEqualTo("written\nsaw-marker\n");

            // symlinks: the guest resolves them in its own file system, never on the host outside the share
            Out attack = run(
                    sb,
                    "echo pwned > /data/rw/link/new.txt; echo pwned > /data/rw/link/existing.txt;"
                            + " echo pwned > /data/rw/filelink; cat /data/rw/link/existing.txt /data/rw/filelink;"
                            + " mkdir -p /data/rw/sub && echo made > /data/rw/sub/made.txt; echo done");
            assertThat(attack.stdout()).doesNotContain("secret").endsWith("done\n");
            assertThat(snapshot(outside)).isEqualTo(outsideBefore);
            assertThat(Files.readString(hostFile)).isEqualTo("host-file-secret");
            assertThat(Files.readSymbolicLink(rw.resolve("link"))).isEqualTo(Path.of("../outside"));
            assertThat(Files.readSymbolicLink(rw.resolve("filelink"))).isEqualTo(hostFile);
            assertThat(Files.readString(rw.resolve("sub/made.txt"))).isEqualTo("made\n");

            // ro: EROFS in the guest, the host file unchanged
            Out denied = run(sb, "echo changed > /workspace/ro/data.txt; touch /workspace/ro/new; echo rc=$?");
            assertThat(denied.stderr()).contains("Read-only file system");
            assertThat(denied.stdout()).isEqualTo("rc=1\n");
            assertThat(Files.readString(ro.resolve("data.txt"))).isEqualTo("read-only-data\n");
            assertThat(ro.resolve("new")).doesNotExist();
        }
        // after the stage everything the agent made belongs to the invoking user
        assertThat(owner(rw.resolve("big.bin"))).isEqualTo(self);
        assertThat(owner(rw.resolve("sub"))).isEqualTo(self);
        assertThat(owner(rw.resolve("sub/made.txt"))).isEqualTo(self);
        assertThat(owner(rw.resolve("README"))).isEqualTo(self);
    }
}
