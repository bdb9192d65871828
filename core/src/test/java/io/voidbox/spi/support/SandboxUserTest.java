package io.voidbox.spi.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SandboxUserTest {
    @TempDir
    Path dir;

    @Test
    void aNormalUserRunsBoxesAsItselfAndRootAsAnUnprivilegedUidOfItsChoice() {
        assertThat(SandboxUser.of(1000, 1001, Map.of("VOIDBOX_BOX_UID", "4242")))
                .isEqualTo(new SandboxUser(1000, 1001, false));
        assertThat(SandboxUser.of(0, 0, Map.of())).isEqualTo(new SandboxUser(65534, 65534, true));
        assertThat(SandboxUser.of(0, 0, Map.of("VOIDBOX_BOX_UID", "4242:4343")))
                .isEqualTo(new SandboxUser(4242, 4343, true));
        assertThat(SandboxUser.of(0, 0, Map.of("VOIDBOX_NAMESPACE_UID", "4242")))
                .as("the variable's earlier name")
                .isEqualTo(new SandboxUser(4242, 4242, true));
        assertThatThrownBy(() -> SandboxUser.of(0, 0, Map.of("VOIDBOX_BOX_UID", "0")))
                .hasMessageContaining("VOIDBOX_BOX_UID must be UID or UID:GID");
    }

    @Test
    void aLentTreeGoesBackToItsOwnersWhenTheLastBoxHoldingItLetsGo() throws IOException {
        assumeTrue(SandboxUser.currentUid() == 0, "lending a tree changes its owners: needs root");
        Path tree = Files.createDirectories(dir.resolve("tree"));
        Path own = Files.writeString(tree.resolve("own.txt"), "x");
        SandboxUser box = new SandboxUser(23456, 23456, true);

        SandboxUser.Lease first = box.lend(tree);
        SandboxUser.Lease second = box.lend(tree);
        assertThat(uid(own)).isEqualTo(23456);
        Path created = Files.writeString(tree.resolve("made-by-the-box.txt"), "y");
        Files.setAttribute(created, "unix:uid", 23456, LinkOption.NOFOLLOW_LINKS);

        first.close();
        first.close(); // again: must not count as the second holder letting go
        assertThat(uid(own)).as("still held by the second box").isEqualTo(23456);
        second.close();
        assertThat(uid(own)).isZero();
        assertThat(uid(created))
                .as("what the boxes made goes to the tree's owner")
                .isZero();
    }

    private static int uid(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }
}
