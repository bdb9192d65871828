package io.voidbox.sandbox.vm.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.voidbox.spi.support.SandboxUser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stale temp-dir sweep as a hostile local user would try to abuse it. */
class StaleSweepTest {
    @TempDir
    Path tmp;

    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        return p.pid();
    }

    private Path victim() throws IOException {
        Path v = Files.createDirectories(tmp.resolve("victim"));
        Files.writeString(v.resolve("precious.txt"), "keep");
        return v;
    }

    private Path stale(Path parent, String name) throws Exception {
        Path d = Files.createDirectories(parent.resolve(name));
        Files.writeString(d.resolve("owner.pid"), Long.toString(deadPid()));
        return d;
    }

    @Test
    void sweepsOnlyOwnStaleDirectoriesAndNeverFollowsLinks() throws Exception {
        Path victim = victim();
        Path parent = TempDirs.ensurePrivate(tmp.resolve("voidbox-test"), SandboxUser.currentUid());
        Path mine = stale(parent, "vbx-mine");
        Files.createSymbolicLink(mine.resolve("escape"), victim);
        Path live = Files.createDirectories(parent.resolve("vbx-live"));
        Files.writeString(
                live.resolve("owner.pid"), Long.toString(ProcessHandle.current().pid()));
        // a link named like a temp dir, pointing at a directory with a dead owner pid
        Files.writeString(victim.resolve("owner.pid"), Long.toString(deadPid()));
        Path link = Files.createSymbolicLink(parent.resolve("vbx-link"), victim);

        QemuMachine.sweepStale(parent);

        assertThat(mine).doesNotExist();
        assertThat(live).exists();
        assertThat(Files.exists(link, LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertThat(victim.resolve("precious.txt")).hasContent("keep");
    }

    @Test
    void directoriesOfOtherUsersAreLeftAlone() throws Exception {
        Path parent = TempDirs.ensurePrivate(tmp.resolve("voidbox-test"), SandboxUser.currentUid());
        Path foreign = stale(parent, "vbx-foreign");
        try {
            Files.setAttribute(foreign, "unix:uid", SandboxUser.currentUid() + 4242);
        } catch (IOException e) {
            return; // not root: cannot hand a directory to someone else, and then nobody else can plant one either
        }
        QemuMachine.sweepStale(parent);
        assertThat(foreign).exists();
    }

    @Test
    void aDirectorySwappedForALinkDuringTheSweepDoesNotDeleteOutsideIt() throws Exception {
        Path victim = victim();
        Path parent = TempDirs.ensurePrivate(tmp.resolve("voidbox-test"), SandboxUser.currentUid());
        for (int round = 0; round < 20; round++) {
            Path d = stale(parent, "vbx-race" + round);
            Path sub = Files.createDirectories(d.resolve("sub"));
            for (int i = 0; i < 200; i++) Files.writeString(sub.resolve("f" + i), "x");
            AtomicBoolean stop = new AtomicBoolean();
            Thread swapper = Thread.ofPlatform().start(() -> {
                while (!stop.get()) {
                    try {
                        Files.move(sub, d.resolve("moved"));
                        Files.createSymbolicLink(sub, victim);
                        return;
                    } catch (IOException e) {
                        Thread.onSpinWait();
                    }
                }
            });
            QemuMachine.sweepStale(parent);
            stop.set(true);
            swapper.join();
            assertThat(victim.resolve("precious.txt")).hasContent("keep");
        }
    }

    @Test
    void theParentMustBeAPrivateDirectoryOfThisUser() throws Exception {
        int uid = SandboxUser.currentUid();
        Path made = TempDirs.ensurePrivate(tmp.resolve("p1"), uid);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(made)))
                .isEqualTo("rwx------");
        Path loose = Files.createDirectories(tmp.resolve("p2"));
        Files.setPosixFilePermissions(loose, PosixFilePermissions.fromString("rwxrwxrwx"));
        TempDirs.ensurePrivate(loose, uid);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(loose)))
                .isEqualTo("rwx------");
        Path link = Files.createSymbolicLink(tmp.resolve("p3"), victim());
        assertThatThrownBy(() -> TempDirs.ensurePrivate(link, uid)).hasMessageContaining("not a directory");
        assertThatThrownBy(() -> TempDirs.ensurePrivate(made, uid + 4242)).hasMessageContaining("belongs to uid");
    }
}
