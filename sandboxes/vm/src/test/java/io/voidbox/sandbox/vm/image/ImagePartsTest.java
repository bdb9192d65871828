package io.voidbox.sandbox.vm.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagePartsTest {
    @Test
    void readsModuleDependenciesFromModinfo() {
        byte[] ko = "\u007fELF...\0license=GPL\0depends=virtio_ring,virtio\0retpoline=Y\0name=virtio_net\0"
                .getBytes(StandardCharsets.US_ASCII);
        assertThat(KernelModules.depends(ko)).containsExactly("virtio_ring", "virtio");
        assertThat(KernelModules.depends("\0depends=\0name=virtio\0".getBytes(StandardCharsets.US_ASCII)))
                .isEmpty();
    }

    @Test
    void ordersModulesAfterTheirDependenciesAndSkipsBuiltins(@TempDir Path dir) throws Exception {
        Path root = dir.resolve("6.1.0-test");
        Path k = Files.createDirectories(root.resolve("kernel/drivers"));
        Files.write(k.resolve("virtio.ko"), "\0depends=\0".getBytes(StandardCharsets.US_ASCII));
        Files.write(k.resolve("virtio_ring.ko"), "\0depends=virtio\0".getBytes(StandardCharsets.US_ASCII));
        Files.write(
                k.resolve("virtio_blk.ko"), "\0depends=virtio_ring,virtio,crc\0".getBytes(StandardCharsets.US_ASCII));
        Files.writeString(root.resolve("modules.builtin"), "kernel/lib/crc.ko\n");
        List<String> order = new KernelModules(root)
                .resolve(List.of("virtio_blk")).stream()
                        .map(KernelModules.Module::name)
                        .toList();
        assertThat(order).containsExactly("virtio", "virtio_ring", "virtio_blk");
    }

    @Test
    void writesNewcArchiveWithParentsSymlinksAndTrailer() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (CpioWriter w = new CpioWriter(bytes)) {
            w.file("etc/passwd", 0644, "root:x:0:0::/:/bin/sh\n".getBytes(StandardCharsets.UTF_8));
            w.symlink("lib", "/opt/voidbox/sys/lib");
            w.charDevice("dev/console", 0600, 5, 1);
        }
        byte[] b = bytes.toByteArray();
        String s = new String(b, StandardCharsets.ISO_8859_1);
        assertThat(s).startsWith("070701");
        assertThat(s.indexOf("etc\0")).isLessThan(s.indexOf("etc/passwd\0"));
        assertThat(s).contains("/opt/voidbox/sys/lib").contains("TRAILER!!!");
        assertThat(b.length % 512).isZero();
    }

    @Test
    void mapsHostLibraryPathsIntoTheGuestTree() {
        assertThat(HostLibraries.guestLibPath("/lib/x86_64-linux-gnu/libc.so.6"))
                .isEqualTo("lib/x86_64-linux-gnu/libc.so.6");
        assertThat(HostLibraries.guestLibPath("/usr/lib/x86_64-linux-gnu/libz.so.1"))
                .isEqualTo("lib/x86_64-linux-gnu/libz.so.1");
        assertThat(HostLibraries.guestLibPath("/lib64/ld-linux-x86-64.so.2")).isEqualTo("lib64/ld-linux-x86-64.so.2");
    }

    @Test
    void cleanRemovesImagesAndBuildLeftoversButListReadsManifests(@TempDir Path data) throws Exception {
        Path img = Files.createDirectories(data.resolve("images/0123456789abcdef"));
        Files.writeString(
                img.resolve(GuestImage.MANIFEST),
                String.join(
                        "\n",
                        "kernel=vmlinuz",
                        "initramfs=initramfs.cpio",
                        "bareInitramfs=bare-initramfs.cpio",
                        "rootDisk=root.img",
                        "rootFsType=squashfs",
                        "kernelVersion=6.1.0-test",
                        "hasClaude=false",
                        "sizeBytes=10",
                        "createdAt=2026-11-25T00:00:00Z"));
        Files.createDirectories(data.resolve("images/.build-x-1"));
        GuestImageCache b = GuestImageCache.at(data);
        assertThat(b.list()).extracting(GuestImage::id).containsExactly("0123456789abcdef");
        assertThat(b.list().getFirst().kernelVersion()).isEqualTo("6.1.0-test");
        b.clean(false);
        assertThat(b.list()).isEmpty();
        try (var s = Files.list(data.resolve("images"))) {
            assertThat(s.toList()).isEmpty();
        }
    }
}
