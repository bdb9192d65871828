package io.voidbox.sandbox.vm.image;

import io.voidbox.sandbox.vm.internal.HostCommand;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Makes a read-only guest disk from a host directory tree: the root disk and the agent layers. */
final class DiskImages {
    private DiskImages() {}

    /**
     * Writes {@code tree} as a squashfs (lz4) or ext4 image at {@code disk}, every file owned by root.
     *
     * @param label  the ext4 volume label
     * @param slackMb space added to an ext4 image beyond the tree's size plus 15 %
     */
    static void write(Path tree, Path disk, boolean squashfs, String label, int slackMb)
            throws IOException, InterruptedException {
        if (squashfs) {
            HostCommand.check(
                    null,
                    1800,
                    List.of(
                            HostCommand.require("mksquashfs", "squashfs-tools").toString(),
                            tree.toString(),
                            disk.toString(),
                            "-noappend",
                            "-all-root",
                            "-comp",
                            "lz4",
                            "-no-progress",
                            "-quiet",
                            "-no-xattrs"));
        } else {
            long mb = GuestImageCache.sizeOf(tree) / (1024 * 1024) * 115 / 100 + slackMb;
            HostCommand.check(
                    null,
                    1800,
                    List.of(
                            HostCommand.require("mkfs.ext4", "e2fsprogs").toString(),
                            "-q",
                            "-F",
                            "-L",
                            label,
                            "-O",
                            "^has_journal",
                            "-E",
                            "root_owner=0:0",
                            "-d",
                            tree.toString(),
                            disk.toString(),
                            mb + "M"));
        }
    }
}
