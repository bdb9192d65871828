package io.voidbox.sandbox.vm.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The kernel and initramfs of boxes with live mounts. The image's cloud kernel has no 9p, so a box
 * that shares host directories boots Debian's generic kernel instead (9p as modules), with an
 * initramfs like the image's plus the 9p modules; the root disk stays the image's. Other boxes keep
 * the cloud kernel, which boots in less than half the time under TCG.
 *
 * @param kernel        the bzImage
 * @param initramfs     busybox, the modules (9p included) and {@code /init}
 * @param kernelVersion {@code uname -r} of the kernel
 */
public record ShareKernel(Path kernel, Path initramfs, String kernelVersion) {
    static final String MANIFEST = "manifest.properties";

    static ShareKernel load(Path dir) throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(dir.resolve(MANIFEST))) {
            p.load(in);
        }
        String version = p.getProperty("kernelVersion");
        if (version == null || version.isBlank())
            throw new IOException(dir.resolve(MANIFEST) + ": missing key 'kernelVersion'");
        return new ShareKernel(dir.resolve("vmlinuz"), dir.resolve("initramfs.cpio"), version);
    }
}
