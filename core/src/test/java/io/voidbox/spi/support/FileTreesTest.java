package io.voidbox.spi.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {
    @TempDir
    Path tmp;

    private Path victim() throws IOException {
        Path outside = Files.createDirectories(tmp.resolve("outside/keep"));
        Files.writeString(outside.resolve("precious.txt"), "do not delete");
        return outside;
    }

    @Test
    void aSymlinkInsideTheTreeIsUnlinkedAndItsTargetKept() throws IOException {
        Path outside = victim();
        Path tree = Files.createDirectories(tmp.resolve("tree/a/b"));
        Files.createSymbolicLink(tree.resolve("to-dir"), outside);
        Files.createSymbolicLink(tree.resolve("to-file"), outside.resolve("precious.txt"));
        Files.writeString(tree.resolve("f.txt"), "x");

        FileTrees.delete(tmp.resolve("tree"));

        assertThat(tmp.resolve("tree")).doesNotExist();
        assertThat(outside.resolve("precious.txt")).hasContent("do not delete");
    }

    @Test
    void aSymlinkGivenAsTheRootIsRemovedItself() throws IOException {
        Path outside = victim();
        Path link = Files.createSymbolicLink(tmp.resolve("link"), outside);

        FileTrees.delete(link);

        assertThat(Files.exists(link, LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(outside.resolve("precious.txt")).hasContent("do not delete");
    }

    @Test
    void readOnlyDirectoriesAreRemovedToo() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("ro/inner"));
        Files.writeString(dir.resolve("f"), "x");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-x------"));
        Files.setPosixFilePermissions(dir.getParent(), PosixFilePermissions.fromString("r-x------"));

        FileTrees.delete(tmp.resolve("ro"));

        assertThat(tmp.resolve("ro")).doesNotExist();
    }

    @Test
    void aDirectorySwappedForASymlinkDuringTheDeletionNeverDeletesItsTarget() throws Exception {
        Path outside = victim();
        for (int round = 0; round < 30; round++) {
            Path tree = tmp.resolve("race" + round);
            Path sub = Files.createDirectories(tree.resolve("sub"));
            for (int i = 0; i < 200; i++) Files.writeString(sub.resolve("f" + i), "x");
            AtomicBoolean stop = new AtomicBoolean();
            Thread swapper = Thread.ofPlatform().start(() -> {
                // an attacker replacing the directory with a link to the victim, again and again
                while (!stop.get()) {
                    try {
                        Path moved = tree.resolve("moved");
                        Files.move(sub, moved);
                        Files.createSymbolicLink(sub, outside);
                        return;
                    } catch (IOException e) {
                        Thread.onSpinWait();
                    }
                }
            });
            try {
                FileTrees.delete(tree);
            } catch (IOException e) {
                // losing the race may leave entries behind; it must never reach outside
            } finally {
                stop.set(true);
                swapper.join();
            }
            assertThat(outside.resolve("precious.txt")).hasContent("do not delete");
            FileTrees.delete(tree);
            assertThat(outside.resolve("precious.txt")).hasContent("do not delete");
        }
    }
}
