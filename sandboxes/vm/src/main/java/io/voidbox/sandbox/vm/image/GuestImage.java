package io.voidbox.sandbox.vm.image;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Properties;

/**
 * A built, cached guest image: everything QEMU needs to boot a box. Immutable once built; the
 * directory name is a prefix of the content hash of all inputs, so a changed input never reuses
 * a stale image.
 *
 * @param dir           the image directory, named by its id (the content-hash prefix)
 * @param files         the files QEMU boots
 * @param rootFsType    {@code squashfs} or {@code ext4}
 * @param kernelVersion {@code uname -r} of the guest kernel
 * @param hasClaude     whether {@code /opt/voidbox/bin/claude} is on the root disk
 * @param sizeBytes     total size on disk
 * @param createdAt     when it was built
 */
public record GuestImage(
        Path dir,
        BootFiles files,
        String rootFsType,
        String kernelVersion,
        boolean hasClaude,
        long sizeBytes,
        Instant createdAt) {

    /** Paths as the guest sees them. */
    public static final String GUEST_ROOT = "/opt/voidbox";

    public static final String GUEST_JAVA = GUEST_ROOT + "/jre/bin/java";
    public static final String GUEST_AGENT_DIR = GUEST_ROOT + "/agent";
    public static final String GUEST_CLAUDE = "/usr/bin/claude";
    public static final String GUEST_WORKSPACE = "/workspace";
    public static final String GUEST_HOME = "/home/agent";
    public static final String GUEST_USER = "agent";
    public static final int GUEST_UID = 1000;
    /** Name of the host-guest virtio-serial port; the guest sees it as {@code /dev/virtio-ports/voidbox.0}. */
    public static final String CHANNEL_PORT_NAME = "voidbox.0";
    /** The host's loopback as seen from inside (QEMU user networking gateway). */
    public static final String HOST_ADDRESS = "10.0.2.2";

    static final String MANIFEST = "manifest.properties";

    /**
     * @param kernel        the bzImage ({@code -kernel})
     * @param initramfs     busybox + modules + {@code /init} ({@code -initrd})
     * @param bareInitramfs busybox-only initramfs that prints a marker and powers off (bare-boot floor)
     * @param rootDisk      read-only root disk (JRE, agent, Claude Code, libraries), mounted at {@code /opt/voidbox}
     */
    public record BootFiles(Path kernel, Path initramfs, Path bareInitramfs, Path rootDisk) {}

    /** Content-hash prefix, also the directory name below {@code images/}. */
    public String id() {
        return dir.getFileName().toString();
    }

    public Path kernel() {
        return files.kernel();
    }

    public Path initramfs() {
        return files.initramfs();
    }

    public Path bareInitramfs() {
        return files.bareInitramfs();
    }

    public Path rootDisk() {
        return files.rootDisk();
    }

    /** Reads an image directory written by {@link GuestImageCache#build}. */
    public static GuestImage load(Path dir) throws IOException {
        Properties p = new Properties();
        Path manifest = dir.resolve(MANIFEST);
        try (InputStream in = Files.newInputStream(manifest)) {
            p.load(in);
        }
        BootFiles files = new BootFiles(
                dir.resolve(required(p, manifest, "kernel")),
                dir.resolve(required(p, manifest, "initramfs")),
                dir.resolve(required(p, manifest, "bareInitramfs")),
                dir.resolve(required(p, manifest, "rootDisk")));
        return new GuestImage(
                dir,
                files,
                required(p, manifest, "rootFsType"),
                required(p, manifest, "kernelVersion"),
                Boolean.parseBoolean(p.getProperty("hasClaude", "false")),
                Long.parseLong(required(p, manifest, "sizeBytes")),
                Instant.parse(required(p, manifest, "createdAt")));
    }

    private static String required(Properties p, Path file, String key) throws IOException {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) throw new IOException(file + ": missing key '" + key + "'");
        return v;
    }
}
